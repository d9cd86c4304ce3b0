import { describe, expect, it } from "vitest";
import { applyEnvOverrides } from "./env.js";
import { iniConfig, problemsOf, yamlConfig } from "./fixtures.js";
import { loadConfig } from "./load.js";
import { resolveConfig } from "./resolve.js";
import { parseYamlConfig } from "./yaml-config.js";

const FILE = yamlConfig({
  global: { user: "file-user", password: "file-pass", port: 443 },
  vcenter: { a: { server: "a.example.com" }, b: { server: "b.example.com", user: "b-user" } },
});

describe("applyEnvOverrides", () => {
  it.each([
    [
      "VSPHERE_USER",
      "env-user",
      (c: ReturnType<typeof load>) => [c.vcenter.a.user, c.vcenter.b.user],
      ["env-user", "b-user"],
    ],
    ["VSPHERE_PASSWORD", "env-pass", (c: ReturnType<typeof load>) => c.vcenter.a.password, "env-pass"],
    [
      "VSPHERE_VCENTER_PORT",
      "8443",
      (c: ReturnType<typeof load>) => [c.vcenter.a.port, Object.keys(c.vcenter)],
      [8443, ["a", "b"]],
    ],
    ["VSPHERE_INSECURE", "true", (c: ReturnType<typeof load>) => c.vcenter.b.insecureFlag, true],
    ["VSPHERE_DATACENTER", "dc1,dc2", (c: ReturnType<typeof load>) => c.vcenter.a.datacenters, ["dc1", "dc2"]],
    ["VSPHERE_ROUNDTRIP_COUNT", "7", (c: ReturnType<typeof load>) => c.vcenter.a.roundTripperCount, 7],
    ["VSPHERE_CAFILE", "/ca.pem", (c: ReturnType<typeof load>) => c.vcenter.a.caFile, "/ca.pem"],
    [
      "VSPHERE_SECRET_NAME",
      "creds",
      (c: ReturnType<typeof load>) => c.vcenter.a.credentials,
      { kind: "secret", name: "creds", namespace: "kube-system", scope: "global" },
    ],
    [
      "VSPHERE_SECRETS_DIRECTORY",
      "/s",
      (c: ReturnType<typeof load>) => c.vcenter.a.credentials,
      { kind: "directory", path: "/s" },
    ],
    ["VSPHERE_LABEL_ZONE", "k8s-zone", (c: ReturnType<typeof load>) => c.labels.zone, "k8s-zone"],
    [
      "VSPHERE_NODES_INTERNAL_VM_NETWORK_NAME",
      "VM Network",
      (c: ReturnType<typeof load>) => c.nodes.internalVmNetworkName,
      "VM Network",
    ],
    [
      "VSPHERE_NODES_EXCLUDE_INTERNAL_NETWORK_SUBNET_CIDR",
      "10.0.0.0/8",
      (c: ReturnType<typeof load>) => c.nodes.excludeInternalNetworkSubnetCidr,
      ["10.0.0.0/8"],
    ],
    [
      "VSPHERE_VCENTER",
      "g.example.com",
      (c: ReturnType<typeof load>) => Object.keys(c.vcenter),
      ["g.example.com", "a", "b"],
    ],
  ])("%s=%s", (name, value, pick, want) => {
    expect(pick(load({ [name]: value }))).toEqual(want);
  });

  it("ignores empty variables, as upstream does", () => {
    expect(load({ VSPHERE_USER: "", VSPHERE_VCENTER_PORT: "" }).vcenter.a).toMatchObject({
      user: "file-user",
      port: 443,
    });
  });

  it("adds or changes a vCenter entry from VSPHERE_VCENTER_<id> and VCENTER_<id>_*", () => {
    const config = load({
      VSPHERE_VCENTER_PROD: "prod",
      VCENTER_PROD_SERVER: "vc.prod.example.com",
      VCENTER_PROD_USERNAME: "prod-user",
      VCENTER_PROD_PORT: "9443",
      VCENTER_PROD_INSECURE: "1",
      VCENTER_PROD_DATACENTERS: "p1,p2",
      VCENTER_PROD_ROUNDTRIP: "2",
      VCENTER_PROD_IP_FAMILY: "ipv6",
      VCENTER_PROD_SECRET_NAME: "prod-creds",
      VSPHERE_VCENTER_B: "b",
      VCENTER_B_PASSWORD: "b-env-pass",
      VSPHERE_VCENTER_NEW: "new.example.com",
    });
    expect(config.vcenter.prod).toMatchObject({
      server: "vc.prod.example.com",
      user: "prod-user",
      password: "file-pass",
      port: 9443,
      insecureFlag: true,
      datacenters: ["p1", "p2"],
      roundTripperCount: 2,
      ipFamily: ["ipv6"],
      credentials: { kind: "secret", name: "prod-creds", namespace: "kube-system", scope: "vcenter" },
    });
    // Unlike upstream, variables not given keep the file's values rather than resetting them.
    expect(config.vcenter.b).toMatchObject({ server: "b.example.com", user: "b-user", password: "b-env-pass" });
    expect(config.vcenter["new.example.com"]).toMatchObject({ server: "new.example.com", user: "file-user" });
  });

  it("reports malformed values by variable name (upstream logs and ignores them)", () => {
    const problems = problemsOf(() =>
      load({ VSPHERE_INSECURE: "sure", VSPHERE_VCENTER_X: "x", VCENTER_X_PORT: "http" }),
    );
    expect(problems.map((p) => [p.key, p.message])).toEqual([
      ["VSPHERE_INSECURE (environment)", '"sure" is not a boolean'],
      ["VCENTER_X_PORT (environment)", '"http" is not a TCP port'],
    ]);
  });

  it("checks upstream's dual-stack gate", () => {
    const text = yamlConfig({ global: { user: "u", password: "p", server: "vc", ipFamily: ["ipv4", "ipv6"] } });
    expect(problemsOf(() => loadConfig(text, {}))).toEqual([
      {
        key: "global.ipFamily (line 5)",
        message: expect.stringContaining("dual stack") as unknown,
        fix: expect.stringContaining("ENABLE_ALPHA_DUAL_STACK") as unknown,
      },
    ]);
    expect(loadConfig(text, { ENABLE_ALPHA_DUAL_STACK: "" }).config.vcenter.vc.ipFamily).toEqual(["ipv4", "ipv6"]);
    // Without an environment (migrate-config, tests) only the file counts.
    expect(loadConfig(text).config.vcenter.vc.ipFamily).toEqual(["ipv4", "ipv6"]);
  });

  it("lets the environment complete a file that lacks credentials", () => {
    const text = iniConfig(['[VirtualCenter "vc.example.com"]', {}]);
    expect(loadConfig(text, { VSPHERE_USER: "u", VSPHERE_PASSWORD: "p" }).config.vcenter["vc.example.com"].user).toBe(
      "u",
    );
  });

  it("returns a copy: the parsed document is unchanged", () => {
    const doc = parseYamlConfig(FILE);
    const before = resolveConfig(doc);
    applyEnvOverrides(doc, { VSPHERE_USER: "x", VSPHERE_VCENTER_N: "n" });
    expect(resolveConfig(doc)).toEqual(before);
  });
});

function load(env: Record<string, string>) {
  return loadConfig(FILE, env).config;
}
