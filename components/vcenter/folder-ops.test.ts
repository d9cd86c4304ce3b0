import { describe, expect, it } from "vitest";
import {
  checkFolder,
  datacenterPath,
  diffFolder,
  folderInventoryPath,
  relativeToVmFolder,
  splitPath,
  type FolderOutputs,
} from "./folder-ops.js";
import { UNKNOWN } from "./inputs.js";

const stored = (path: string, datacenter = "DC0"): FolderOutputs => ({
  datacenter,
  path,
  inventoryPath: folderInventoryPath(datacenter, path),
  moid: "group-v9",
});

describe("folder paths", () => {
  it("builds and splits inventory paths", () => {
    expect(datacenterPath("DC0")).toBe("/DC0");
    expect(datacenterPath("/dcs/DC0/")).toBe("/dcs/DC0");
    expect(folderInventoryPath("DC0", "k8s/ccm")).toBe("/DC0/vm/k8s/ccm");
    expect(splitPath("k8s/ccm/x")).toEqual(["k8s/ccm", "x"]);
    expect(splitPath("k8s")).toEqual(["", "k8s"]);
    expect(relativeToVmFolder("/DC0", "/DC0/vm/k8s/ccm")).toBe("k8s/ccm");
    expect(relativeToVmFolder("DC0", "/DC1/vm/k8s")).toBe("/DC1/vm/k8s");
  });
});

describe("checkFolder", () => {
  it("accepts a relative path", () => {
    expect(checkFolder({ datacenter: "DC0", path: "kubernetes/ccm" })).toEqual({
      inputs: { datacenter: "DC0", path: "kubernetes/ccm" },
      failures: [],
    });
  });

  it.each([
    ["/kubernetes", 'give the path relative to the vm folder, without leading or trailing "/"'],
    ["a//b", 'has an empty folder name; remove the doubled "/"'],
    ["a/50%", '"%" and "\\" are not supported in folder names'],
    ["x".repeat(81), "longer than vCenter's 80 characters"],
  ])("refuses %s", (path, reason) => {
    const { failures } = checkFolder({ datacenter: "DC0", path });
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe("path");
    expect(failures[0].reason).toContain(reason);
  });

  it("requires both inputs and skips unknown ones", () => {
    expect(checkFolder({}).failures.map((f) => f.property)).toEqual(["datacenter", "path"]);
    expect(checkFolder({ datacenter: "DC0", path: UNKNOWN }).failures).toEqual([]);
  });
});

describe("diffFolder", () => {
  it("sees no change for the same folder, datacenter spelling aside", () => {
    expect(diffFolder(stored("k8s"), { datacenter: "/DC0", path: "k8s" }).changes).toBe(false);
  });

  it("renames in place when the parent stays", () => {
    expect(diffFolder(stored("k8s/ccm"), { datacenter: "DC0", path: "k8s/ccm2" })).toEqual({
      changes: true,
      replaces: [],
    });
  });

  it("replaces for another parent, datacenter, or an unknown path", () => {
    expect(diffFolder(stored("k8s/ccm"), { datacenter: "DC0", path: "other/ccm" }).replaces).toEqual(["path"]);
    expect(diffFolder(stored("k8s"), { datacenter: "DC1", path: "k8s" }).replaces).toEqual(["datacenter"]);
    expect(diffFolder(stored("k8s"), { datacenter: "DC0", path: UNKNOWN }).replaces).toEqual(["path"]);
  });
});
