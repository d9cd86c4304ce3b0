import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCredentials } from "../../controller/config/index.js";
import { credentialKeys, credentialsData } from "./credentials.js";

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

beforeAll(async () => {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: {} }), call: () => ({}) });
});

describe("credentialKeys", () => {
  it("uses upstream's <server>.username/.password keys for host names and IPv4 addresses", () => {
    expect(credentialKeys("vc.example.com", 0)).toEqual({
      username: "vc.example.com.username",
      password: "vc.example.com.password",
    });
    expect(credentialKeys("10.0.0.2", 3)).toEqual({ username: "10.0.0.2.username", password: "10.0.0.2.password" });
  });

  it("uses server_<id> keys for servers a Secret key cannot spell (IPv6)", () => {
    expect(credentialKeys("fd00::10", 1)).toEqual({
      server: "server_vcenter1",
      username: "username_vcenter1",
      password: "password_vcenter1",
    });
  });
});

describe("credentialsData", () => {
  const vcenters = [
    { server: "vc.example.com", username: pulumi.secret("ccm@vsphere.local"), password: pulumi.secret("pw1") },
    { server: "fd00::10", username: "lab-user", password: pulumi.output("pw2") },
  ];

  it("is one secret Output, even when some inputs were plain", async () => {
    const data = credentialsData(vcenters);
    expect(await pulumi.isSecret(data)).toBe(true);
    expect(await pulumi.isSecret(credentialsData([vcenters[1]]))).toBe(true);
  });

  it("holds what the controller's credentials parser reads back per server", async () => {
    const data = await valueOf(credentialsData(vcenters));
    const creds = parseCredentials(data);
    expect(creds.get("vc.example.com")).toEqual({ user: "ccm@vsphere.local", password: "pw1" });
    expect(creds.get("fd00::10")).toEqual({ user: "lab-user", password: "pw2" });
    expect(Object.keys(data).every((k) => /^[-._a-zA-Z0-9]+$/.test(k))).toBe(true);
  });
});
