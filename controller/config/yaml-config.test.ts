import { describe, expect, it } from "vitest";
import { messageOf, problemsOf, UPSTREAM_YAML, yamlConfig } from "./fixtures.js";
import { loadConfig } from "./load.js";
import { resolveConfig } from "./resolve.js";
import { parseYamlConfig } from "./yaml-config.js";

const base = { server: "vc.example.com", user: "u", password: "p" };

describe("parseYamlConfig", () => {
  it("reads upstream's multi-vCenter sample", () => {
    const { config, format, ignored } = loadConfig(UPSTREAM_YAML);
    expect(format).toBe("yaml");
    expect(ignored).toEqual([]);
    expect(Object.keys(config.vcenter)).toEqual(["tenant1", "tenant2", "tenant3"]);
    expect(config.vcenter.tenant2).toMatchObject({
      server: "10.0.0.2",
      port: 443,
      insecureFlag: true,
      datacenters: ["datacenter2", "datacenter3"],
      credentials: { kind: "secret", name: "cpi-finance-secret", namespace: "kube-system", scope: "vcenter" },
    });
    expect(config.vcenter.tenant3).toMatchObject({
      port: 8443,
      credentials: { kind: "secret", name: "cpi-global-secret", scope: "global" },
    });
    expect(config.labels).toEqual({ region: "k8s-region", zone: "k8s-zone" });
    expect(config.nodes.excludeInternalNetworkSubnetCidr).toEqual(["192.0.2.0/24", "fe80::1/128"]);
  });

  it("takes plain scalars as written (YAML 1.1 would turn these into numbers or booleans)", () => {
    const text = "global:\n  server: vc\n  user: yes\n  password: 0123\n  port: 0443\n  insecureFlag: on\n";
    const { config } = loadConfig(text);
    expect(config.vcenter.vc).toMatchObject({ user: "yes", password: "0123", port: 443, insecureFlag: true });
  });

  it("accepts upstream's shapes and lenient ones: lists or comma strings, quoted numbers and booleans", () => {
    const text = yamlConfig({
      global: { ...base, port: "8443", insecureFlag: "true", datacenters: "dc1,dc2", ipFamily: "ipv6" },
      nodes: { internalNetworkSubnetCidr: ["10.0.0.0/8", "fd00::/64"] },
    });
    const { config } = loadConfig(text);
    expect(config.vcenter["vc.example.com"]).toMatchObject({
      port: 8443,
      insecureFlag: true,
      datacenters: ["dc1", "dc2"],
      ipFamily: ["ipv6"],
    });
    expect(config.nodes.internalNetworkSubnetCidr).toEqual(["10.0.0.0/8", "fd00::/64"]);
  });

  it("follows anchors and merge keys", () => {
    const text = `
common: &common
  port: 8443
  datacenters: [dc1]
global:
  user: u
  password: p
vcenter:
  a:
    <<: *common
    server: a.example.com
  b:
    <<: *common
    server: b.example.com
    port: 9443
`;
    const { config, ignored } = loadConfig(text);
    expect(config.vcenter.a).toMatchObject({ port: 8443, datacenters: ["dc1"] });
    expect(config.vcenter.b).toMatchObject({ port: 9443, datacenters: ["dc1"] });
    expect(ignored.map((x) => x.key)).toEqual(["common (line 2)"]);
  });

  it("treats null and empty values as unset", () => {
    const text = "global:\n  server: vc\n  user: u\n  password: p\n  port:\n  secretName: ~\nvcenter:\nlabels:\n";
    const { config } = loadConfig(text);
    expect(config.vcenter.vc).toMatchObject({ port: 443, credentials: { kind: "config" } });
  });

  it("lists unknown and unsupported keys as ignored, with reasons and hints", () => {
    const doc = parseYamlConfig(
      yamlConfig({
        global: { ...base, InsecureFlag: true, apiDisable: true, secretsDirectory: "/s" },
        vcenter: { vc2: { server: "vc2", "insecure-flag": true, secretsDirectory: "/x", zone: "z" } },
        Labels: { zone: "z" },
        nsxt: { user: "nsx", password: "nsx-secret" },
        loadBalancer: { size: "SMALL" },
      }),
    );
    const reasons = Object.fromEntries(doc.ignored.map((x) => [x.key.replace(/ \(line \d+\)$/, ""), x.reason]));
    expect(reasons).toEqual({
      "global.InsecureFlag": expect.stringContaining("did you mean insecureFlag?") as unknown,
      "global.apiDisable": expect.stringContaining("retired vSphere CCM API") as unknown,
      "vcenter.vc2.insecure-flag": expect.stringContaining("did you mean insecureFlag?") as unknown,
      "vcenter.vc2.secretsDirectory": "not read in vcenter; it belongs in global",
      "vcenter.vc2.zone": "not read in vcenter; it belongs in labels",
      Labels: expect.stringContaining("did you mean labels?") as unknown,
      nsxt: expect.stringContaining("NSX-T") as unknown,
      loadBalancer: expect.stringContaining("load balancers") as unknown,
    });
    expect(JSON.stringify(doc.ignored)).not.toContain("nsx-secret");
  });

  it.each([
    ["a syntax error", "global:\n  user: u\n password: 'hunter2\n", "line 3", /YAML syntax error/],
    ["a repeated key", "global:\n  user: a\n  user: b\n", "line 3", /repeated/],
    ["a list at the top", "- a\n- b\n", "line 1", /not a mapping/],
    ["a bare word", "hello\n", "line 1", /not a mapping/],
    ["several documents", "global: {}\n---\nglobal: {}\n", "line 2", /syntax error/],
  ])("reports %s with its line, without quoting the file", (_, text, key, message) => {
    const problems = problemsOf(() => resolveConfig(parseYamlConfig(text)));
    expect(problems[0]).toMatchObject({ key, message: expect.stringMatching(message) as unknown, syntax: true });
    expect(JSON.stringify(problems)).not.toContain("hunter2");
  });

  it.each([
    ["global is a list", "global: [a]\n", "global (line 1)", /must be a mapping/],
    [
      "vcenter is a string",
      "global: {user: u, password: p}\nvcenter: vc1\n",
      "vcenter (line 2)",
      /mapping from vCenter/,
    ],
    ["an entry is a string", "vcenter:\n  vc1: vc1.example.com\n", "vcenter.vc1 (line 2)", /mapping of settings/],
    ["a value is a mapping", "global:\n  server: {a: b}\n", "global.server (line 2)", /not a mapping/],
    ["a port is a list", "global:\n  server: vc\n  port: [1]\n", "global.port (line 3)", /single value/],
  ])("reports a wrong shape: %s", (_, text, key, message) => {
    const problems = problemsOf(() => loadConfig(text));
    expect(problems).toContainEqual(
      expect.objectContaining({ key, message: expect.stringMatching(message) as unknown }),
    );
  });

  it("names keys as `vcenter.<name>.<key>`, quoting names that are not plain words", () => {
    const text = yamlConfig({ global: { user: "u", password: "p" }, vcenter: { vc1: { port: 0 }, "10.0.0.1": {} } });
    expect(messageOf(() => loadConfig(text))).toMatchInlineSnapshot(`
      "the cloud config has 3 problems:
        - vcenter.vc1.port (line 6): "0" is not a TCP port. Fix: write a number from 1 to 65535, e.g. 443
        - vcenter.vc1.server: the entry vcenter.vc1 has no server. Fix: add server: <host name or IP> (the entry's name is only a name)
        - vcenter."10.0.0.1".server: the entry vcenter."10.0.0.1" has no server. Fix: add server: <host name or IP> (the entry's name is only a name)"
    `);
  });
});
