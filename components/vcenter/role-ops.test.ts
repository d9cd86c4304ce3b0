import { describe, expect, it } from "vitest";
import { UNKNOWN } from "./inputs.js";
import { checkRole, diffRole, normalizePrivileges, samePrivileges, type RoleOutputs } from "./role-ops.js";

const stored = (privileges: string[], name = "k8s-ccm"): RoleOutputs => ({ name, privileges, roleId: 12 });

describe("role privileges", () => {
  it("compares sets without the system privileges vCenter adds to every role", () => {
    const asStored = ["Datastore.Browse", "System.Anonymous", "System.Read", "System.View"];
    expect(samePrivileges(asStored, ["Datastore.Browse"])).toBe(true);
    expect(samePrivileges(["B.x", "A.y", "A.y"], ["A.y", "B.x", "System.Read"])).toBe(true);
    expect(samePrivileges(["A.y"], ["A.y", "B.x"])).toBe(false);
    expect(samePrivileges([UNKNOWN], [UNKNOWN])).toBe(false);
  });

  it("normalizes to sorted, unique, without system privileges", () => {
    expect(normalizePrivileges(["System.View", "B.x", "A.y", "B.x"])).toEqual(["A.y", "B.x"]);
  });
});

describe("checkRole", () => {
  it("accepts and normalizes", () => {
    const r = checkRole({ name: "k8s-ccm", privileges: ["System.Read", "VirtualMachine.Config.AddNewDisk"] });
    expect(r).toEqual({ inputs: { name: "k8s-ccm", privileges: ["VirtualMachine.Config.AddNewDisk"] }, failures: [] });
  });

  it("accepts an empty privilege list", () => {
    expect(checkRole({ name: "viewer", privileges: [] }).failures).toEqual([]);
  });

  it("reports every problem with its path", () => {
    expect(checkRole({ privileges: ["Datastore.Browse", "nodot", 7] }).failures).toEqual([
      { property: "name", reason: 'required: the role name, e.g. "k8s-ccm"' },
      {
        property: "privileges[1]",
        reason: '"nodot" is not a privilege id; use ids like "VirtualMachine.Config.AddNewDisk"',
      },
      { property: "privileges[2]", reason: "expected a non-empty string" },
    ]);
    expect(checkRole({ name: "x" }).failures.map((f) => f.property)).toEqual(["privileges"]);
  });

  it("passes unknown values through during a preview", () => {
    expect(checkRole({ name: UNKNOWN, privileges: UNKNOWN })).toEqual({
      inputs: { name: UNKNOWN, privileges: UNKNOWN },
      failures: [],
    });
  });
});

describe("diffRole", () => {
  it("sees no change when only system privileges or order differ", () => {
    expect(diffRole(stored(["A.y", "B.x"]), { name: "k8s-ccm", privileges: ["B.x", "A.y"] }).changes).toBe(false);
  });

  it("updates renames and privilege changes in place", () => {
    expect(diffRole(stored(["A.y"]), { name: "k8s-ccm-2", privileges: ["A.y", "B.x"] })).toEqual({
      changes: true,
      replaces: [],
    });
  });

  it("counts unknown values as changes", () => {
    expect(diffRole(stored(["A.y"]), { name: "k8s-ccm", privileges: UNKNOWN as unknown as string[] }).changes).toBe(
      true,
    );
  });
});
