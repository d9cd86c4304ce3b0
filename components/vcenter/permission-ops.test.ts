import { describe, expect, it } from "vitest";
import type { Permission } from "../../vsphere/authorization.js";
import { UNKNOWN } from "./inputs.js";
import {
  checkPermission,
  diffPermission,
  isEntryOf,
  permissionId,
  ourEntry,
  type PermissionInputs,
  type PermissionOutputs,
} from "./permission-ops.js";

const inputs = (over: Partial<PermissionInputs> = {}): PermissionInputs => ({
  entity: "/DC0/vm/k8s",
  principal: "VSPHERE.LOCAL\\k8s-ccm",
  group: false,
  roleName: "k8s-ccm",
  propagate: true,
  adopt: false,
  ...over,
});
const stored = (over: Partial<PermissionOutputs> = {}): PermissionOutputs => ({
  ...inputs(),
  roleName: "k8s-ccm",
  roleId: 12,
  entityType: "Folder",
  entityMoid: "group-v7",
  ...over,
});
const entry = (principal: string, roleId: number, group = false): Permission => ({
  principal,
  group,
  roleId,
  propagate: true,
  entity: { type: "Folder", value: "group-v7" },
});

describe("checkPermission", () => {
  it("applies defaults", () => {
    expect(checkPermission({ entity: "/DC0/", principal: "u", roleId: -2 })).toEqual({
      inputs: { entity: "/DC0", principal: "u", roleId: -2, group: false, propagate: true, adopt: false },
      failures: [],
    });
  });

  it("reports every problem with its path", () => {
    expect(checkPermission({ entity: "DC0", roleName: "r", roleId: 1.5, propagate: "no" }).failures).toEqual([
      { property: "entity", reason: '"DC0" is not an inventory path; start it with "/", e.g. "/DC0/vm/kubernetes"' },
      { property: "principal", reason: 'required: a user or group, e.g. "VSPHERE.LOCAL\\\\k8s-ccm"' },
      { property: "roleId", reason: "expected a whole number (a role's id), got 1.5" },
      { property: "roleName", reason: expect.stringContaining("set exactly one of roleName and roleId") as string },
      { property: "propagate", reason: 'expected true or false, got "no"' },
    ]);
  });

  it("requires one role reference and accepts an unknown one", () => {
    expect(checkPermission({ entity: "/DC0", principal: "u", roleName: "" }).failures).toEqual([
      { property: "roleName", reason: 'must not be empty: the name of a role, e.g. "ReadOnly"' },
    ]);
    expect(checkPermission({ entity: "/DC0", principal: "u" }).failures.map((f) => f.property)).toEqual(["roleName"]);
    expect(checkPermission({ entity: UNKNOWN, principal: "u", roleId: UNKNOWN })).toMatchObject({
      inputs: { entity: UNKNOWN, roleId: UNKNOWN },
      failures: [],
    });
  });
});

describe("diffPermission", () => {
  it("sees no change for the same permission, principal case aside", () => {
    expect(diffPermission(stored(), inputs({ principal: "vsphere.local\\K8S-ccm" })).changes).toBe(false);
  });

  it("updates role and propagate in place", () => {
    expect(diffPermission(stored(), inputs({ roleName: "ReadOnly", propagate: false }))).toEqual({
      changes: true,
      replaces: [],
    });
    // Switching from roleName to the same role's id changes nothing.
    expect(diffPermission(stored(), inputs({ roleName: undefined, roleId: 12 })).changes).toBe(false);
    expect(diffPermission(stored(), inputs({ roleName: undefined, roleId: UNKNOWN as unknown as number }))).toEqual({
      changes: true,
      replaces: [],
    });
  });

  it("replaces, old entry first, for another entity, principal or group flag", () => {
    expect(diffPermission(stored(), inputs({ entity: "/DC0" }))).toEqual({
      changes: true,
      replaces: ["entity"],
      deleteBeforeReplace: true,
    });
    expect(diffPermission(stored(), inputs({ principal: "other", group: true })).replaces).toEqual([
      "principal",
      "group",
    ]);
  });
});

describe("entries", () => {
  it("matches a principal's entry without case, by group flag", () => {
    expect(isEntryOf(entry("VSPHERE.LOCAL\\ccm", 1), "vsphere.local\\CCM", false)).toBe(true);
    expect(isEntryOf(entry("VSPHERE.LOCAL\\ccm", 1, true), "VSPHERE.LOCAL\\ccm", false)).toBe(false);
  });

  it("sends our principal's entry alone, in vCenter's spelling when it has one", () => {
    const rule = { roleId: 12, propagate: false };
    expect(ourEntry(undefined, "vsphere.local\\ccm", false, rule)).toEqual([
      { principal: "vsphere.local\\ccm", group: false, roleId: 12, propagate: false },
    ]);
    // An entry vCenter holds as "VSPHERE.LOCAL\\ccm" is updated under that name, not duplicated.
    expect(ourEntry(entry("VSPHERE.LOCAL\\ccm", 1), "vsphere.local\\ccm", true, rule)).toEqual([
      { principal: "VSPHERE.LOCAL\\ccm", group: true, roleId: 12, propagate: false },
    ]);
  });

  it("ids name entity, kind and principal", () => {
    expect(permissionId({ type: "Folder", value: "group-v7" }, "VSPHERE.LOCAL\\ccm", false)).toBe(
      "Folder:group-v7/user:VSPHERE.LOCAL\\ccm",
    );
  });
});
