import { describe, expect, it } from "vitest";
import { applyEnvironment, controllerEnabled, defaultFlags, ignoredReasons, parseFlags } from "./flags.js";
import { parseDuration } from "./flag-values.js";

describe("flags", () => {
  it("accepts the upstream manifest's arguments unchanged", () => {
    const { flags, args } = parseFlags(["--cloud-provider=vsphere", "--v=2", "--cloud-config=/etc/cloud/vsphere.conf"]);
    expect(flags.cloudConfig).toBe("/etc/cloud/vsphere.conf");
    expect(flags.verbosity).toBe(2);
    expect(args).toEqual([]);
  });

  it("accepts generic cloud-controller-manager flags it does not use, and lists them", () => {
    const { flags } = parseFlags([
      "--use-service-account-credentials",
      "--controllers=*,-route",
      "--leader-elect-lease-duration=30s",
      "--leader-elect-resource-lock",
      "leases",
      "--no-node-deletion",
    ]);
    expect(flags.ignored).toEqual(["use-service-account-credentials"]);
    expect(ignoredReasons(flags)).toEqual({
      "use-service-account-credentials": "one client: the pod's own ServiceAccount",
    });
    expect(flags.controllers).toEqual(["*", "-route"]);
    expect(flags.leaseDurationSeconds).toBe(30);
    expect(flags.nodeDeletion).toBe(false);
  });

  it("parses --node-labels and booleans with values", () => {
    const { flags } = parseFlags(["--node-labels", "a=1, b=two", "--leader-elect=false"]);
    expect(flags.nodeLabels).toEqual({ a: "1", b: "two" });
    expect(flags.leaderElect).toBe(false);
  });

  it("parses --tag-refresh-period (default 5m) and refuses one under a second", () => {
    expect(parseFlags([]).flags.tagRefreshSeconds).toBe(300);
    expect(parseFlags(["--tag-refresh-period=2s"]).flags.tagRefreshSeconds).toBe(2);
    expect(parseFlags(["--tag-refresh-period", "10m"]).flags.tagRefreshSeconds).toBe(600);
    expect(() => parseFlags(["--tag-refresh-period=500ms"])).toThrow(
      "--tag-refresh-period=500ms: expected at least 1s (the default is 5m)",
    );
    expect(() => parseFlags(["--tag-refresh-period=soon"])).toThrow(
      "--tag-refresh-period=soon: expected a duration such as 15s, 1m30s or 300ms",
    );
  });

  it("reads Go durations, pflag booleans, `_` for `-`, -h and --", () => {
    const { flags, args } = parseFlags([
      "--leader_elect_lease_duration=1m30s",
      "--leader-elect-renew-deadline=1500ms",
      "--leader-elect=F",
      "-h",
      "--",
      "--not-a-flag",
    ]);
    expect(flags).toMatchObject({
      leaseDurationSeconds: 90,
      renewDeadlineSeconds: 1.5,
      leaderElect: false,
      help: true,
    });
    expect(args).toEqual(["--not-a-flag"]);
  });

  it("reads both micro signs Go accepts in a duration (U+00B5 and U+03BC)", () => {
    expect(parseDuration("1500000\u00b5s")).toBe(1.5);
    expect(parseDuration("1500000\u03bcs")).toBe(1.5);
    expect(parseDuration("1m500000us")).toBe(60.5);
  });

  it("refuses a --node-labels key that is not a qualified name, as upstream at start", () => {
    expect(parseFlags(["--node-labels=example.com/team=a,tier="]).flags.nodeLabels).toEqual({
      "example.com/team": "a",
      tier: "",
    });
    expect(() => parseFlags(["--node-labels=Bad_Prefix/x=1"])).toThrow(
      '--node-labels=Bad_Prefix/x=1: key "Bad_Prefix/x": the prefix part must be a lowercase DNS subdomain (e.g. example.com)',
    );
    expect(() => parseFlags(["--node-labels=-x=1"])).toThrow("the name part must be alphanumeric");
  });

  describe("--controllers (upstream's IsControllerEnabled)", () => {
    it.each([
      [["*"], true, true],
      [["*", "-cloud-node-lifecycle"], true, false],
      [["-cloud-node-lifecycle-controller", "*"], true, false],
      [["cloud-node"], true, false],
      [["cloud-node-lifecycle", "-cloud-node-lifecycle"], false, true],
      [[], false, false],
    ])("%j: cloud-node %s, cloud-node-lifecycle %s", (list, node, lifecycle) => {
      expect(controllerEnabled(list, "cloud-node")).toBe(node);
      expect(controllerEnabled(list, "cloud-node-lifecycle")).toBe(lifecycle);
    });

    it("refuses an unknown controller name, naming the known ones", () => {
      expect(() => parseFlags(["--controllers=*,-nodes"])).toThrow(
        '--controllers: "nodes" is not a known controller (known: cloud-node-controller, cloud-node-lifecycle-controller, service-lb-controller, node-route-controller, or cloud-node, cloud-node-lifecycle, service, route)',
      );
    });

    it("says at start that deletion is off when the lifecycle controller is", () => {
      const { notes } = applyEnvironment(parseFlags(["--controllers=*,-cloud-node-lifecycle"]).flags, {});
      expect(notes).toEqual(["node deletion and shutdown taints are off: --controllers disables cloud-node-lifecycle"]);
    });
  });

  it('refuses a lock other than "leases" only while leader election is on, as upstream', () => {
    expect(() => parseFlags(["--leader-elect-resource-lock=endpoints"])).toThrow(
      '--leader-elect-resource-lock=endpoints: expected "leases" (the only lock upstream allows)',
    );
    expect(parseFlags(["--leader-elect-resource-lock=endpoints", "--leader-elect=false"]).flags.leaderElect).toBe(
      false,
    );
  });

  it("maps the TLS flags onto Node's names", () => {
    const { flags } = parseFlags([
      "--tls-min-version=VersionTLS13",
      "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256",
      "--tls-curve-preferences=29,23",
      "--tls-sni-cert-key=a.crt,a.key:*.example.com,example.com",
      "--tls-sni-cert-key=b.crt,b.key",
    ]);
    expect(flags.tls).toEqual({
      minVersion: "TLSv1.3",
      ciphers: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256",
      ecdhCurve: "X25519:P-256",
      sniCertKeys: [
        { certFile: "a.crt", keyFile: "a.key", domains: ["*.example.com", "example.com"] },
        { certFile: "b.crt", keyFile: "b.key", domains: [] },
      ],
    });
    expect(() => parseFlags(["--tls-min-version=TLS1.2"])).toThrow("expected one of VersionTLS10");
    expect(() => parseFlags(["--tls-cipher-suites=RC4"])).toThrow("unknown cipher suite RC4");
  });

  it("names every bad flag at once, with the closest known one", () => {
    expect(() => parseFlags(["--cloud-confg=x", "--v=abc", "--cloud-provider=aws", "--secure-port"])).toThrow(
      [
        "unknown flag --cloud-confg (did you mean --cloud-config?)",
        "--v=abc: expected a whole number",
        "--secure-port needs a value",
        '--cloud-provider=aws: this controller only serves "vsphere"',
      ].join("\n"),
    );
  });

  describe("SKIP_NODE_DELETION (upstream's switch: set at all means on, as os.LookupEnv)", () => {
    it.each([["true"], ["1"], ["yes"], [""], ["anything"]])("%j turns node deletion off", (value) => {
      const { flags, notes } = applyEnvironment(defaultFlags(), { SKIP_NODE_DELETION: value });
      expect(flags.nodeDeletion).toBe(false);
      expect(notes).toEqual(["node deletion is off: SKIP_NODE_DELETION is set"]);
    });

    it.each([["false"], ["0"], ["No"], ["off"]])(
      "%j turns it off too, and the note says the value is not read",
      (value) => {
        const { flags, notes } = applyEnvironment(defaultFlags(), { SKIP_NODE_DELETION: value });
        expect(flags.nodeDeletion).toBe(false);
        expect(notes).toEqual([
          `node deletion is off: SKIP_NODE_DELETION is set; its value ${JSON.stringify(value)} does not matter ` +
            "(as upstream, any value turns deletion off): unset the variable to let the controller delete Nodes",
        ]);
      },
    );

    it("leaves deletion on when unset (positive control), and names --no-node-deletion when that is why", () => {
      const on = applyEnvironment(defaultFlags(), { OTHER: "1" });
      expect(on.flags.nodeDeletion).toBe(true);
      expect(on.notes).toEqual([]);
      const off = applyEnvironment(parseFlags(["--no-node-deletion"]).flags, {});
      expect(off).toMatchObject({
        flags: { nodeDeletion: false },
        notes: ["node deletion is off: --no-node-deletion"],
      });
    });

    it("wins over --no-node-deletion=false: the safe side", () => {
      const { flags } = applyEnvironment(parseFlags(["--no-node-deletion=false"]).flags, { SKIP_NODE_DELETION: "1" });
      expect(flags.nodeDeletion).toBe(false);
    });
  });
});
