import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { iniConfig, messageOf, problemsOf, yamlConfig } from "./fixtures.js";
import { loadConfig } from "./load.js";
import type { VcenterConfig } from "./types.js";

const creds = { user: "u", password: "p" };
const THUMB = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";

/** The resolved entry `vc` of a YAML config with these global and entry settings. */
function entry(global: Record<string, unknown>, own: Record<string, unknown> = {}): VcenterConfig {
  return loadConfig(yamlConfig({ global, vcenter: { vc: { server: "vc.example.com", ...own } } })).config.vcenter.vc;
}

describe("resolveConfig: defaults and inheritance", () => {
  it("fills upstream's defaults", () => {
    expect(entry(creds)).toEqual({
      name: "vc",
      server: "vc.example.com",
      port: 443,
      user: "u",
      password: "p",
      datacenters: [],
      insecureFlag: false,
      roundTripperCount: 3,
      ipFamily: ["ipv4"],
      credentials: { kind: "config" },
    });
  });

  it.each([
    ["port", { port: 8443 }, {}, 8443],
    ["port", { port: 8443 }, { port: 9443 }, 9443],
    ["user", {}, { user: "own" }, "own"],
    ["datacenters", { datacenters: ["g"] }, {}, ["g"]],
    ["datacenters", { datacenters: ["g"] }, { datacenters: ["own"] }, ["own"]],
    ["roundTripperCount", { soapRoundtripCount: 5 }, {}, 5],
    ["caFile", { caFile: "/g.pem" }, {}, "/g.pem"],
    ["thumbprint", { thumbprint: THUMB }, {}, THUMB],
    ["ipFamily", { ipFamily: ["ipv6"] }, {}, ["ipv6"]],
    ["ipFamily", { ipFamily: ["ipv6"] }, { ipFamily: ["ipv4"] }, ["ipv4"]],
    ["insecureFlag", { insecureFlag: true }, {}, true],
    // Upstream ORs the two (config_yaml.go, config_ini_legacy.go): an entry cannot turn checks back on.
    ["insecureFlag", { insecureFlag: true }, { insecureFlag: false }, true],
    ["insecureFlag", { insecureFlag: false }, { insecureFlag: false }, false],
    ["insecureFlag", {}, { insecureFlag: true }, true],
  ])("%s: global %j, entry %j → %j", (field, global, own, want) => {
    expect(entry({ ...creds, ...global }, own)[field as keyof VcenterConfig]).toEqual(want);
  });

  it("makes an entry of global.server unless one has that name already", () => {
    const { config } = loadConfig(
      yamlConfig({ global: { ...creds, server: "g.example.com" }, vcenter: { vc: { server: "vc" } } }),
    );
    expect(Object.keys(config.vcenter)).toEqual(["g.example.com", "vc"]);
    expect(config.vcenter["g.example.com"]).toMatchObject({
      name: "g.example.com",
      server: "g.example.com",
      user: "u",
    });
    const same = loadConfig(
      yamlConfig({ global: { ...creds, server: "a" }, vcenter: { a: { server: "a", port: 1 } } }),
    );
    expect(Object.keys(same.config.vcenter)).toEqual(["a"]);
    expect(same.config.vcenter.a.port).toBe(1);
  });
});

describe("resolveConfig: where credentials come from", () => {
  it.each([
    ["user and password only", creds, {}, { kind: "config" }],
    [
      "the entry's Secret",
      {},
      { secretName: "s", secretNamespace: "ns" },
      { kind: "secret", name: "s", namespace: "ns", scope: "vcenter" },
    ],
    [
      "the entry's Secret, namespace from global",
      { secretNamespace: "g-ns" },
      { secretName: "s" },
      { kind: "secret", name: "s", namespace: "g-ns", scope: "vcenter" },
    ],
    [
      "the entry's Secret, default namespace",
      {},
      { secretName: "s" },
      { kind: "secret", name: "s", namespace: "kube-system", scope: "vcenter" },
    ],
    [
      "the global Secret",
      { secretName: "g" },
      {},
      { kind: "secret", name: "g", namespace: "kube-system", scope: "global" },
    ],
    [
      "the global Secret, even with user and password in global",
      { ...creds, secretName: "g", secretNamespace: "x" },
      {},
      { kind: "secret", name: "g", namespace: "x", scope: "global" },
    ],
    [
      "the secrets directory",
      { secretsDirectory: "/etc/cloud/secrets" },
      {},
      { kind: "directory", path: "/etc/cloud/secrets" },
    ],
    [
      "the entry's Secret over the directory",
      { secretsDirectory: "/d" },
      { secretName: "s" },
      { kind: "secret", name: "s", namespace: "kube-system", scope: "vcenter" },
    ],
  ])("%s", (_, global, own, want) => {
    const vc = entry(global, own);
    expect(vc.credentials).toEqual(want);
    const secret = vc.credentials.kind === "secret" ? vc.credentials : undefined;
    expect([vc.secretName, vc.secretNamespace]).toEqual([secret?.name, secret?.namespace]);
  });
});

describe("resolveConfig: the user and password tried before a Secret or directory (upstream's Connect)", () => {
  const secret = { secretName: "g", secretNamespace: "ns" };
  const tried = (vc: VcenterConfig) => [vc.user, vc.password];

  it("tries the entry's own pair first, keeping the source for when vCenter rejects it", () => {
    const vc = entry(secret, { user: "own", password: "own-pw" });
    expect(tried(vc)).toEqual(["own", "own-pw"]);
    expect(vc.credentials).toEqual({ kind: "secret", name: "g", namespace: "ns", scope: "global" });
    expect(tried(entry({ secretsDirectory: "/d" }, { user: "own", password: "own-pw" }))).toEqual(["own", "own-pw"]);
  });

  it("does not give an entry global's pair when it has a source, and warns that it does not", () => {
    const { config, warnings } = loadConfig(
      yamlConfig({ global: { ...creds, ...secret }, vcenter: { vc: { server: "vc.example.com" } } }),
    );
    expect(tried(config.vcenter.vc)).toEqual([undefined, undefined]);
    expect(warnings.map((w) => w.key)).toEqual(["global.user (line 2)", "global.password (line 3)"]);
    expect(warnings[0].message).toMatch(
      /^is not used for vcenter\.vc, which logs in with the credentials of Secret ns\/g/,
    );
    // Positive control: without the Secret the same entry inherits them, and nothing is said.
    const plain = loadConfig(yamlConfig({ global: creds, vcenter: { vc: { server: "vc.example.com" } } }));
    expect(tried(plain.config.vcenter.vc)).toEqual(["u", "p"]);
    expect(plain.warnings).toEqual([]);
  });

  it("tries global's pair for the entry made from global.server (its settings are global's)", () => {
    const { config, warnings } = loadConfig(yamlConfig({ global: { ...creds, ...secret, server: "vc.example.com" } }));
    expect(tried(config.vcenter["vc.example.com"])).toEqual(["u", "p"]);
    expect(warnings).toEqual([]);
  });

  it("does not try half a pair, and says so", () => {
    const { config, warnings } = loadConfig(
      yamlConfig({ global: secret, vcenter: { vc: { server: "vc.example.com", user: "own" } } }),
    );
    expect(tried(config.vcenter.vc)).toEqual([undefined, undefined]);
    expect(warnings).toEqual([
      {
        key: "vcenter.vc.user (line 7)",
        message: "is set without password, so it is not tried: vcenter.vc logs in with the credentials of Secret ns/g",
      },
    ]);
  });
});

describe("resolveConfig: problems", () => {
  it.each([
    ["no vCenter", yamlConfig({ global: creds }), "vcenter", /no vCenter is configured/, "global.server"],
    ["no vCenter (INI)", iniConfig(["[Global]", creds]), '[VirtualCenter "<server>"]', /no vCenter/, "[VirtualCenter"],
    [
      "an entry without server",
      yamlConfig({ global: creds, vcenter: { vc1: { port: 443 } } }),
      "vcenter.vc1.server",
      /has no server/,
      "server:",
    ],
    ["no credentials", yamlConfig({ global: { server: "vc" } }), "global.user", /no credentials/, "secretName"],
    [
      "no password for an entry",
      yamlConfig({ vcenter: { vc1: { server: "vc", user: "u" } } }),
      "vcenter.vc1.password",
      /password is not set/,
      "secretsDirectory",
    ],
    [
      "an entry's namespace without name",
      yamlConfig({ global: creds, vcenter: { vc1: { server: "vc", secretNamespace: "ns" } } }),
      "vcenter.vc1.secretNamespace (line 7)",
      /without secretName/,
      "add secretName",
    ],
  ])("%s", (_, text, key, message, fix) => {
    const problems = problemsOf(() => loadConfig(text));
    expect(problems).toContainEqual({
      key,
      message: expect.stringMatching(message) as unknown,
      fix: expect.stringContaining(fix) as unknown,
    });
  });

  it("reports every problem at once, without the passwords", () => {
    const text = yamlConfig({
      global: { password: "hunter2-global", port: "abc", ipFamily: ["ipv5"] },
      vcenter: { a: { port: 0, password: "hunter2-a" }, b: { server: "https://b", insecureFlag: "perhaps" } },
      nodes: { internalNetworkSubnetCidr: "10.0.0.0/99" },
    });
    const err = (() => {
      try {
        loadConfig(text);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const { message, problems } = err as ConfigError;
    expect(problems.map((p) => p.key)).toEqual([
      "global.port (line 3)",
      "global.ipFamily (line 4)",
      "vcenter.a.port (line 8)",
      "vcenter.b.server (line 11)",
      "vcenter.b.insecureFlag (line 12)",
      "nodes.internalNetworkSubnetCidr (line 14)",
      "vcenter.a.server",
      "vcenter.a.user",
      "vcenter.b.user",
    ]);
    expect(message).not.toMatch(/hunter2/);
  });

  it("redacts a password should one ever reach a message", () => {
    const err = new ConfigError([{ key: "k", message: "value hunter2 is wrong", fix: "x" }], { secrets: ["hunter2"] });
    expect(err.message).toContain("value <redacted> is wrong");
  });

  it("collects warnings: half of the zone labels, a CA file a pin overrides, a lone secret namespace", () => {
    const { warnings } = loadConfig(
      yamlConfig({
        global: { ...creds, server: "vc", thumbprint: THUMB, caFile: "/ca.pem", secretNamespace: "ns" },
        labels: { zone: "k8s-zone" },
      }),
    );
    expect(warnings.map((w) => `${w.key}: ${w.message}`)).toEqual([
      "global.secretNamespace (line 7): has no effect without secretName",
      expect.stringMatching(/^global.caFile \(line 6\): is not used: the thumbprint pinned at global.thumbprint/),
      "labels.region: is not set, so zones and regions are off: both tag categories are needed",
    ]);
  });

  it("does not report a value as missing when it was given but rejected", () => {
    const problems = problemsOf(() =>
      loadConfig(yamlConfig({ global: { ...creds, user: { a: 1 } }, vcenter: { x: { server: "https://x" } } })),
    );
    expect(problems.map((p) => p.key)).toEqual(["global.user (line 2)", "vcenter.x.server (line 7)"]);
  });

  it("names the no-vCenter fix in the format's terms", () => {
    expect(messageOf(() => loadConfig(iniConfig(["[Global]", creds])))).toContain(
      'add a [VirtualCenter "vcenter.example.com"] section',
    );
  });
});

describe("resolveConfig: what upstream loads and this controller judges unsafe is loaded, with a warning", () => {
  const warningsOf = (text: string) => loadConfig(text).warnings;

  it("insecure with a thumbprint: the pin is kept and checked", () => {
    const { config, warnings } = loadConfig(
      yamlConfig({ global: { ...creds, server: "vc", insecureFlag: true, thumbprint: THUMB } }),
    );
    expect(config.vcenter.vc).toMatchObject({ insecureFlag: true, thumbprint: THUMB });
    expect(warnings).toContainEqual({
      key: "global.insecureFlag (line 5)",
      message: expect.stringMatching(
        /^is not applied where the thumbprint pinned at global\.thumbprint \(line 6\) is: the pin is checked instead/,
      ) as unknown,
    });
  });

  it("the in-tree INI: insecure-flag = 1 in [Global], a thumbprint on one [VirtualCenter]", () => {
    const text = iniConfig(
      ["[Global]", { ...creds, "insecure-flag": "1" }],
      ['[VirtualCenter "vc1"]', { thumbprint: THUMB }],
      ['[VirtualCenter "vc2"]', {}],
    );
    const { config, warnings } = loadConfig(text);
    expect(config.vcenter.vc1).toMatchObject({ insecureFlag: true, thumbprint: THUMB });
    expect(config.vcenter.vc2).toMatchObject({ insecureFlag: true });
    expect(warnings.map((w) => w.key)).toEqual(["[Global] insecure-flag (line 4)"]);
    expect(warnings[0].message).toContain('the thumbprint pinned at [VirtualCenter "vc1"] thumbprint (line 7) is');
  });

  it("insecure with a CA file: the CA is kept and used", () => {
    const text = iniConfig(
      ["[Global]", { ...creds, "insecure-flag": "1" }],
      ['[VirtualCenter "vc"]', { "ca-file": "/ca.pem" }],
    );
    expect(warningsOf(text)).toContainEqual({
      key: "[Global] insecure-flag (line 4)",
      message: expect.stringMatching(
        /certificate is verified with the CA bundle at \[VirtualCenter "vc"\] ca-file \(line 7\)/,
      ) as unknown,
    });
  });

  it("a Secret and a directory: the directory gives the credentials, as upstream", () => {
    const { config, warnings } = loadConfig(
      yamlConfig({ global: { server: "vc", secretName: "s", secretsDirectory: "/d" } }),
    );
    expect(config.vcenter.vc.credentials).toEqual({ kind: "directory", path: "/d" });
    expect(warnings).toContainEqual({
      key: "global.secretName (line 3)",
      message: expect.stringContaining(
        "is not used: the secrets directory /d (global.secretsDirectory (line 4))",
      ) as unknown,
    });
  });

  it("reports a global contradiction once, not once per vCenter", () => {
    const text = yamlConfig({
      global: { ...creds, insecureFlag: true, thumbprint: THUMB },
      vcenter: { a: { server: "a" }, b: { server: "b" } },
    });
    expect(warningsOf(text).map((w) => w.key)).toEqual(["global.insecureFlag (line 4)"]);
  });
});
