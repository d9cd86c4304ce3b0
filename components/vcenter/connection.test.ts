import { describe, expect, it } from "vitest";
import { parseServer, resolveSettings, type ConfigSource } from "./connection.js";

const config = (values: Record<string, string>): ConfigSource => ({ get: (k) => values[k] });

describe("parseServer", () => {
  it.each([
    ["vc.example.com", { host: "vc.example.com", port: 443 }],
    ["vc.example.com:8443", { host: "vc.example.com", port: 8443 }],
    ["https://127.0.0.1:38239/sdk", { host: "127.0.0.1", port: 38239 }],
    ["https://vc/", { host: "vc", port: 443 }],
    ["[fd00::1]:444", { host: "fd00::1", port: 444 }],
  ])("%s", (server, want) => {
    expect(parseServer(server)).toEqual(want);
  });

  it.each(["http://vc", "https://user:pw@vc", "https://vc/rest", "not a host"])("refuses %s", (server) => {
    expect(parseServer(server)).toBeUndefined();
  });
});

describe("resolveSettings", () => {
  const full = {
    "vsphere:server": "https://vc.example.com/sdk",
    "vsphere:user": "admin@vsphere.local",
    "vsphere:password": "s3cret-Pa55",
    "vsphere:thumbprint": "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd",
  };

  it("reads the stack config", () => {
    expect(resolveSettings(config(full), {})).toEqual({
      host: "vc.example.com",
      port: 443,
      user: "admin@vsphere.local",
      password: "s3cret-Pa55",
      tls: { thumbprint: "AABBCCDDEEFF00112233445566778899AABBCCDD" },
    });
  });

  it("falls back to the environment key by key, config first", () => {
    const s = resolveSettings(config({ "vsphere:user": "from-config" }), {
      VSPHERE_SERVER: "vc:444",
      VSPHERE_USER: "from-env",
      VSPHERE_PASSWORD: "env-pass",
      VSPHERE_INSECURE: "true",
      VSPHERE_CAFILE: "ca.pem",
    });
    expect(s).toMatchObject({ host: "vc", port: 444, user: "from-config", password: "env-pass" });
    expect(s.tls.insecure).toBe(true);
    expect(s.tls.caFile).toBe(`${process.cwd()}/ca.pem`);
  });

  it("works without configure (an engine that never calls it)", () => {
    const env = { VSPHERE_SERVER: "vc", VSPHERE_USER: "u", VSPHERE_PASSWORD: "p" };
    expect(resolveSettings(undefined, env)).toMatchObject({ host: "vc", user: "u", password: "p" });
  });

  it("lists every problem at once, naming keys and fixes, never the password", () => {
    let message = "";
    try {
      resolveSettings(
        config({ "vsphere:server": "http://vc", "vsphere:insecure": "yes", "vsphere:password": "pw-9x" }),
        {},
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('vsphere:server "http://vc": expected a host name');
    expect(message).toContain("vsphere:user is not set: run `pulumi config set vsphere:user");
    expect(message).toContain('vsphere:insecure "yes": expected true or false');
    expect(message).not.toContain("pw-9x");
    const missing = (() => {
      try {
        resolveSettings(config({}), {});
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(missing).toContain("pulumi config set --secret vsphere:password");
    expect(missing).toContain("(or set VSPHERE_PASSWORD)");
  });
});
