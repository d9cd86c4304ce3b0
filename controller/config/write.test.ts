// toYaml and migrateIni. The round trip is a seeded property over generated INI files that mix
// valid and invalid values, odd strings, key case and in-tree sections: whenever the INI loads,
// its migration loads to the same effective config; whenever it does not, migration refuses too.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { iniConfig, messageOf, SEED, UPSTREAM_INI, UPSTREAM_YAML } from "./fixtures.js";
import { loadConfig } from "./load.js";
import { migrateIni, redactConfig, toYaml } from "./write.js";

describe("migrateIni", () => {
  it("converts upstream's sample and lists what it dropped, with reasons", () => {
    const { yaml, dropped, warnings } = migrateIni(UPSTREAM_INI);
    expect(yaml).toMatchInlineSnapshot(`
      "# Converted from an INI vsphere.conf by migrate-config.
      # Keys the controller does not use were left out; the command lists them with the reasons.
      global:
        port: 443
        user: administrator@vsphere.local
        password: p@ss; word
        insecureFlag: true
        datacenters:
          - dc1
          - dc2
        secretName: vsphere-cloud-secret
        secretNamespace: kube-system
      vcenter:
        1.2.3.4:
          server: 1.2.3.4
          user: cpi@vsphere.local
          password: other
        10.0.0.1:
          server: 10.0.0.1
          port: 448
          insecureFlag: false
      labels:
        region: k8s-region
        zone: k8s-zone
      "
    `);
    expect(dropped.map((d) => d.key)).toEqual([
      "[Global] service-account (line 7)",
      "[Workspace] (line 28)",
      "[Disk] (line 35)",
    ]);
    expect(dropped[1].reason).toMatch(/in-tree volume plugin.*CSI/);
    // Resolving the sample warns that [VirtualCenter "10.0.0.1"] does not inherit global's user/password.
    expect(warnings.map((w) => w.key)).toEqual(["[Global] user (line 9)", "[Global] password (line 10)"]);
    expect(loadConfig(yaml).config).toEqual(loadConfig(UPSTREAM_INI).config);
  });

  it("refuses an INI that does not load, with its problems", () => {
    expect(messageOf(() => migrateIni(iniConfig(["[Global]", { port: "abc" }])))).toMatch(/\[Global\] port \(line 2\)/);
  });

  it("refuses YAML", () => {
    expect(messageOf(() => migrateIni(UPSTREAM_YAML))).toMatch(/already YAML/);
  });

  it("gives the same effective config for any INI that loads (property)", () => {
    fc.assert(
      fc.property(iniFile, (text) => {
        let direct;
        try {
          direct = loadConfig(text);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect(() => migrateIni(text)).toThrow(ConfigError);
          return;
        }
        const migrated = migrateIni(text);
        expect(migrated.dropped).toEqual(direct.ignored);
        expect(loadConfig(migrated.yaml).config).toEqual(direct.config);
        expect(loadConfig(toYaml(direct.config)).config).toEqual(direct.config);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("generates loadable files often enough for the property to mean something", () => {
    const samples = fc.sample(iniFile, { seed: SEED, numRuns: 400 });
    const loaded = samples.filter((t) => {
      try {
        loadConfig(t);
        return true;
      } catch {
        return false;
      }
    });
    expect(loaded.length).toBeGreaterThan(100);
  });
});

describe("toYaml", () => {
  it("writes every entry out in full and loads back to the same config", () => {
    const { config } = loadConfig(UPSTREAM_YAML);
    const yaml = toYaml(config);
    expect(yaml).toContain("tenant3:\n    server: 10.0.0.3\n    port: 8443\n    insecureFlag: true\n");
    expect(loadConfig(yaml).config).toEqual(config);
  });

  it("writes CIDR lists as upstream's comma-separated strings and quotes YAML 1.1 look-alikes", () => {
    const { config } = loadConfig(
      iniConfig(
        ["[Global]", { user: '"yes"', password: '"0123"', server: "vc" }],
        ["[Nodes]", { "internal-network-subnet-cidr": "10.0.0.0/8, fd00::/64" }],
      ),
    );
    const yaml = toYaml(config);
    expect(yaml).toContain('user: "yes"');
    expect(yaml).toContain('password: "0123"');
    expect(yaml).toContain("internalNetworkSubnetCidr: 10.0.0.0/8,fd00::/64");
  });
});

describe("redactConfig", () => {
  it("hides passwords and nothing else", () => {
    const { config } = loadConfig(UPSTREAM_INI);
    const redacted = redactConfig(config);
    expect(JSON.stringify(redacted)).not.toMatch(/p@ss|other/);
    expect(redacted.vcenter["1.2.3.4"]).toEqual({ ...config.vcenter["1.2.3.4"], password: "<redacted>" });
  });
});

// ---- generated INI files ----
// Mostly valid values (so most files load and the round trip is exercised), some invalid ones
// (so "both refuse" is exercised too), odd strings, any key case, in-tree sections.

/** `valid` 49 times in 50, `invalid` otherwise: files have many keys, and one bad value spoils a file. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 49 }, { arbitrary: invalid, weight: 1 });

const oddString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.constantFrom(
    " lead",
    "trail ",
    'q"uote',
    "semi;colon",
    "hash#tag",
    "back\\slash",
    "new\nline",
    "yes",
    "0123",
    "~",
  ),
);

/** An INI value: quoted with escapes, or bare when that reads back the same. */
const rendered = (s: string, quote: boolean) =>
  quote || !/^[^\s;#"\\][^;#"\\\n]*$/.test(s) || /\s$/.test(s)
    ? `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`
    : s;

const value = (inner: fc.Arbitrary<string>) => fc.tuple(inner, fc.boolean()).map(([s, q]) => rendered(s, q));

const host = mostly(
  fc.constantFrom("vc1.example.com", "10.0.0.1", "fd00::1", "VC.Example.com"),
  fc.constantFrom("bad host", "https://x"),
);
const connectionKeys = {
  user: value(oddString),
  password: value(oddString),
  port: mostly(fc.constantFrom("443", "8443", " 9443 ", ""), fc.constantFrom("0", "abc")),
  "insecure-flag": mostly(fc.constantFrom("0", "No", "false"), fc.constantFrom("1", "true", "maybe", null)),
  datacenters: value(fc.constantFrom("dc1", "dc1, dc2", " , ", "Datacenter One")),
  "soap-roundtrip-count": mostly(fc.constantFrom("3", "0x5", "0"), fc.constant("-1")),
  "ca-file": value(mostly(fc.constant("/etc/ca.pem"), fc.constant("C:\\ca.pem"))),
  thumbprint: mostly(fc.constant("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"), fc.constant("abcd")),
  "secret-name": value(fc.constantFrom("creds", "")),
  "secret-namespace": value(mostly(fc.constantFrom("", "kube-system"), fc.constant("other"))),
  "ip-family": mostly(fc.constantFrom("ipv4", "IPv6", "ipv4,ipv6", "ipv6, ipv4", ""), fc.constant("ipv5")),
};

const section = <T extends Record<string, fc.Arbitrary<string | null>>>(keys: T) =>
  fc.record(keys, { requiredKeys: [] }).map((r) => r as Record<string, string | null>);

/** Upper-cases some names: gcfg matches section and key names in any case. */
const recase = (name: string, flip: boolean) => (flip ? name.toUpperCase() : name);

const iniFile: fc.Arbitrary<string> = fc
  .record({
    global: section({
      ...connectionKeys,
      server: host,
      "secrets-directory": mostly(fc.constant(""), fc.constant("/etc/cloud/secrets")),
      datacenter: value(fc.constantFrom("legacy-dc")),
      "working-dir": value(fc.constantFrom("/dc/vm/k8s")),
      "unknown-key": value(oddString),
    }),
    vcenters: fc.array(
      fc.tuple(
        fc.constantFrom("vc1.example.com", "10.0.0.1", "tenant-a", "Tenant A", 'we"ird'),
        section({ ...connectionKeys, server: host }),
      ),
      { maxLength: 3 },
    ),
    labels: fc.option(section({ region: value(oddString), zone: value(oddString) })),
    nodes: fc.option(
      section({
        "internal-network-subnet-cidr": mostly(
          fc.constantFrom("10.0.0.0/8", "10.0.0.0/8, fd00::/64"),
          fc.constant("10.0.0.0"),
        ),
        "exclude-external-network-subnet-cidr": value(fc.constantFrom("192.168.0.0/16")),
        "internal-vm-network-name": value(oddString),
      }),
    ),
    workspace: fc.boolean(),
    flip: fc.boolean(),
  })
  .map(({ global, vcenters, labels, nodes, workspace, flip }) => {
    const sections: [string, Record<string, string | null>][] = [[`[${recase("Global", flip)}]`, global]];
    for (const [name, entries] of vcenters) {
      const quoted = name.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
      sections.push([`[${recase("VirtualCenter", flip)} "${quoted}"]`, entries]);
    }
    if (labels) sections.push(["[Labels]", labels]);
    if (nodes) sections.push(["[Nodes]", nodes]);
    if (workspace) sections.push(["[Workspace]", { server: "10.0.0.1", folder: "k8s" }]);
    return iniConfig(...sections);
  });
