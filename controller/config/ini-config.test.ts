import { describe, expect, it } from "vitest";
import { iniConfig, messageOf, problemsOf, UPSTREAM_INI } from "./fixtures.js";
import { parseIniConfig } from "./ini-config.js";
import { loadConfig } from "./load.js";

const creds = { user: "u", password: "p" };

describe("parseIniConfig", () => {
  it("reads upstream's sample vsphere.conf with in-tree sections", () => {
    const { config, format, ignored, warnings } = loadConfig(UPSTREAM_INI);
    expect(format).toBe("ini");
    expect(config.vcenter["1.2.3.4"]).toMatchObject({
      server: "1.2.3.4",
      port: 443,
      user: "cpi@vsphere.local",
      password: "other",
      insecureFlag: true,
      datacenters: ["dc1", "dc2"],
      credentials: { kind: "secret", name: "vsphere-cloud-secret", namespace: "kube-system", scope: "global" },
    });
    // Upstream ORs the flag with global's, so insecure-flag = "0" cannot turn checks back on; nor here.
    expect(config.vcenter["10.0.0.1"]).toMatchObject({ port: 448, insecureFlag: true });
    // The sample's comment says global's user and password are used here, but with the global
    // Secret set upstream does not give them to the entry: it logs in with the Secret's (after a
    // login with an empty user fails). The same here, minus the doomed login, and a warning says so.
    expect(config.vcenter["10.0.0.1"].user).toBeUndefined();
    expect(config.vcenter["10.0.0.1"].password).toBeUndefined();
    expect(config.labels).toEqual({ region: "k8s-region", zone: "k8s-zone" });
    expect(ignored.map((x) => x.key)).toEqual([
      "[Global] service-account (line 7)",
      "[Workspace] (line 28)",
      "[Disk] (line 35)",
    ]);
    expect(ignored[1].reason).toContain("in-tree volume plugin");
    expect(warnings.map((w) => w.key)).toEqual(["[Global] user (line 9)", "[Global] password (line 10)"]);
    expect(warnings[0].message).toBe(
      'is not used for [VirtualCenter "10.0.0.1"], which logs in with the credentials of Secret ' +
        "kube-system/vsphere-cloud-secret (as upstream, an entry with a Secret or secrets directory does not " +
        "inherit global user/password; set them in the entry to have them tried first)",
    );
  });

  it("matches section and key names in any case; vCenter names keep theirs", () => {
    const text = iniConfig(
      ["[GLOBAL]", { USER: "u", Password: "p", "Insecure-Flag": null }],
      ['[virtualcenter "VC.example.com"]', {}],
    );
    const { config } = loadConfig(text);
    expect(Object.keys(config.vcenter)).toEqual(["VC.example.com"]);
    expect(config.vcenter["VC.example.com"]).toMatchObject({ user: "u", insecureFlag: true });
  });

  it("uses an explicit server, making the section name only a name", () => {
    const text = iniConfig(["[Global]", creds], ['[VirtualCenter "prod"]', { server: "vc.prod.example.com" }]);
    expect(loadConfig(text).config.vcenter.prod.server).toBe("vc.prod.example.com");
  });

  it("merges repeated sections and keeps the last of a repeated key, with a warning", () => {
    const text = iniConfig(
      ["[Global]", { ...creds, port: "1" }],
      ['[VirtualCenter "a"]', { port: "2" }],
      ["[Global]", { port: "3" }],
    );
    const { config, warnings } = loadConfig(text);
    expect(config.vcenter.a.port).toBe(2);
    expect(config.global.port).toBe(3);
    expect(warnings).toEqual([
      { key: "[Global] port (line 10)", message: "also set at [Global] port (line 4); this later value is used" },
    ]);
  });

  it("reads the in-tree [Global] datacenter when datacenters is not set, and says so", () => {
    const { config, warnings } = loadConfig(iniConfig(["[Global]", { ...creds, server: "vc", datacenter: "dc0" }]));
    expect(config.vcenter.vc.datacenters).toEqual(["dc0"]);
    expect(warnings[0]).toMatchObject({
      key: "[Global] datacenter (line 5)",
      message: expect.stringContaining("rename") as unknown,
    });
    const both = loadConfig(iniConfig(["[Global]", { ...creds, server: "vc", datacenter: "dc0", datacenters: "dc1" }]));
    expect(both.config.vcenter.vc.datacenters).toEqual(["dc1"]);
    expect(both.ignored[0].reason).toContain("takes precedence");
  });

  it("lists in-tree and unknown keys and sections as ignored, with reasons", () => {
    const doc = parseIniConfig(
      iniConfig(
        ["[Global]", { ...creds, server: "vc", "working-dir": "/dc/vm/k8s", "vm-uuid": "x", "insecure-flg": "1" }],
        ['[Global "x"]', { user: "y" }],
        ["[Network]", { "public-network": "VM Network" }],
        ["[NSXT]", { password: "nsx-secret" }],
        ["[Custom]", {}],
        ["[Labels]", { "secret-name": "s" }],
      ),
    );
    const reasons = doc.ignored.map((x) => `${x.key}: ${x.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(/^\[Global\] working-dir \(line 5\): .*BIOS UUID/),
      expect.stringMatching(/^\[Global\] vm-uuid \(line 6\): .*system UUID/),
      expect.stringMatching(/^\[Global\] insecure-flg \(line 7\): unknown key.*did you mean insecure-flag\?/),
      expect.stringMatching(/^\[Global "x"\] \(line 9\): \[Global\] takes no name/),
      expect.stringMatching(/^\[Network\] \(line 12\): .*internalVmNetworkName/),
      expect.stringMatching(/^\[NSXT\] \(line 15\): NSX-T/),
      expect.stringMatching(/^\[Custom\] \(line 18\): unknown section/),
      expect.stringMatching(
        /^\[Labels\] secret-name \(line 21\): not read in \[Labels\]; it belongs in \[Global\] or \[VirtualCenter\]/,
      ),
    ]);
    expect(JSON.stringify(doc.ignored)).not.toContain("nsx-secret");
  });

  it.each([
    [
      "a vCenter section without a name",
      iniConfig(["[Global]", creds], ["[VirtualCenter]", {}]),
      "[VirtualCenter] (line 5)",
      /needs the vCenter's name/,
    ],
    [
      "a string key without a value",
      iniConfig(["[Global]", { user: null, password: "p", server: "vc" }]),
      "[Global] user (line 2)",
      /has no value/,
    ],
    [
      "a bad port",
      iniConfig(["[Global]", creds], ['[VirtualCenter "10.0.0.1"]', { port: "abc" }]),
      '[VirtualCenter "10.0.0.1"] port (line 6)',
      /not a TCP port/,
    ],
    [
      "a section name that is no host",
      iniConfig(["[Global]", creds], ['[VirtualCenter "my vc"]', {}]),
      '[VirtualCenter "my vc"] (line 5; the name is the server)',
      /white space/,
    ],
  ])("reports %s", (_, text, key, message) => {
    expect(problemsOf(() => loadConfig(text))).toContainEqual(
      expect.objectContaining({ key, message: expect.stringMatching(message) as unknown }),
    );
  });

  it("reports syntax errors alone, each with its line", () => {
    const text = "[Global]\nuser = a\n[VirtualCenter 10.0.0.1]\nport = 1\n[Nodes]\ninternal_network = x\n";
    expect(messageOf(() => loadConfig(text))).toMatchInlineSnapshot(`
      "the cloud config has 2 problems:
        - line 3: the name in [VirtualCenter 10.0.0.1] must be in double quotes. Fix: write [VirtualCenter "10.0.0.1"]
        - line 6: "internal_network" is not a valid key name. Fix: key names use letters, digits and '-': write internal-network"
    `);
  });

  it("warns when an unquoted value stops at a comment character", () => {
    const { warnings } = loadConfig("[Global]\nserver = vc\nuser = u\npassword = abc#123\n");
    expect(warnings).toEqual([
      {
        key: "[Global] password (line 4)",
        message: expect.stringContaining("put the value in double quotes") as unknown,
      },
    ]);
  });
});
