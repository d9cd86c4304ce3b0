import { describe, expect, it } from "vitest";
import { moRef } from "../../vsphere/types.js";
import { resolveDatacenters, type DatacenterInfo } from "./scope.js";

const dc = (value: string, name: string, path?: string): DatacenterInfo => ({
  ref: moRef("Datacenter", value),
  name,
  path,
});
const all = [
  dc("datacenter-2", "DC0", "/DC0"),
  dc("datacenter-9", "DC1", "/Lab/DC1"),
  dc("datacenter-7", "Twin", "/A/Twin"),
];
const ids = (entries: string[], from = all) => resolveDatacenters(entries, from).datacenters.map((d) => d.ref.value);

describe("resolveDatacenters", () => {
  it.each([
    ["a name", ["DC0"], ["datacenter-2"]],
    ["a name inside a folder", ["DC1"], ["datacenter-9"]],
    ["an inventory path", ["/DC0"], ["datacenter-2"]],
    ["an inventory path through a folder", ["/Lab/DC1"], ["datacenter-9"]],
    ["a path relative to the root folder", ["Lab/DC1"], ["datacenter-9"]],
    ["a trailing slash", ["/DC0/"], ["datacenter-2"]],
    ["a managed object id", ["datacenter-9"], ["datacenter-9"]],
    ["a typed managed object reference", ["Datacenter:datacenter-2"], ["datacenter-2"]],
    ["the same datacenter twice", ["DC0", "/DC0", "datacenter-2"], ["datacenter-2"]],
  ])("accepts %s", (_what, entries, want) => {
    const r = resolveDatacenters(entries, all);
    expect(r.problems).toEqual([]);
    expect(ids(entries)).toEqual(want);
  });

  it("reports a typo with the value and what the vCenter has, and resolves the rest", () => {
    const r = resolveDatacenters(["DC9", "DC0"], all);
    expect(r.datacenters.map((d) => d.name)).toEqual(["DC0"]);
    expect(r.problems).toEqual([
      {
        value: "DC9",
        reason:
          'no datacenter named "DC9" (by name, inventory path or managed object id); this vCenter has: /DC0 (datacenter-2), /Lab/DC1 (datacenter-9), /A/Twin (datacenter-7)',
      },
    ]);
  });

  it("does not take a path for a name elsewhere, nor a name by case", () => {
    expect(resolveDatacenters(["/Lab/DC0"], all).problems).toHaveLength(1);
    expect(resolveDatacenters(["/DC1"], all).problems).toHaveLength(1);
    expect(resolveDatacenters(["dc0"], all).problems).toHaveLength(1);
    expect(resolveDatacenters([""], all).problems).toHaveLength(1);
  });

  it("refuses a name two datacenters share, naming both and the way out", () => {
    const twins = [...all, dc("datacenter-8", "Twin", "/B/Twin")];
    const r = resolveDatacenters(["Twin"], twins);
    expect(r.datacenters).toEqual([]);
    expect(r.problems[0].reason).toMatch(
      /2 datacenters are named "Twin" \(\/A\/Twin \(datacenter-7\), \/B\/Twin \(datacenter-8\)\)/,
    );
    expect(r.problems[0].reason).toMatch(/inventory path or managed object id/);
    expect(ids(["/B/Twin"], twins)).toEqual(["datacenter-8"]);
  });

  it("reports every entry when the vCenter has no datacenter", () => {
    expect(resolveDatacenters(["DC0"], []).problems[0].reason).toMatch(/this vCenter has: none/);
  });
});
