import { describe, expect, it } from "vitest";
import { applyEnvironment, defaultFlags, parseFlags } from "./flags.js";

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
    expect(flags.ignored).toEqual(["use-service-account-credentials", "controllers", "leader-elect-resource-lock"]);
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
      "--tag-refresh-period=soon: expected a duration such as 15s",
    );
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
