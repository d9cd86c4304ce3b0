import { describe, expect, it } from "vitest";
import { parseFlags } from "./flags.js";

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
});
