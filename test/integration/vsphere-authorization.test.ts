// Roles and permissions against vcsim, every result cross-checked with govc.
//
// Written to hold on real vCenter as well, with one caveat: the principals below must exist in
// its SSO domain (vcsim accepts any name). Permission writes follow vCenter's documented
// semantics (SetEntityPermissions upserts per principal, RemoveEntityPermission of a missing rule
// is NotFound) because our vcsim main corrects govmomi's simulator there (vcsim/authz.go).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, vcsimSession } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { AlreadyExistsFault, InvalidArgumentFault, NotFoundError, NotFoundFault } from "../../vsphere/errors.js";
import {
  addRole,
  findRoleByName,
  getRole,
  listPrivileges,
  listRoles,
  removeEntityPermission,
  removeRole,
  retrieveAllPermissions,
  retrieveEntityPermissions,
  setEntityPermissions,
  SYSTEM_PRIVILEGES,
  updateRole,
  withoutSystemPrivileges,
  type Permission,
} from "../../vsphere/authorization.js";
import { findByInventoryPath } from "../../vsphere/inventory-path.js";
import { VsphereSession } from "../../vsphere/session.js";
import type { MoRef } from "../../vsphere/types.js";

const PREFIX = `k8s-authz-${process.pid}`;
const USER = "VSPHERE.LOCAL\\k8s-authz-test-user";
const OTHER_USER = "VSPHERE.LOCAL\\k8s-authz-test-other";
const GROUP = "VSPHERE.LOCAL\\k8s-authz-test-group";

interface GovcRole {
  roleId: number;
  name: string;
  system: boolean;
  privilege?: string[] | null;
}
interface GovcPermission {
  entity?: MoRef;
  principal: string;
  group: boolean;
  roleId: number;
  propagate: boolean;
}

describe("vSphere roles and permissions", () => {
  let s: VsphereSession;
  let govc: Govc;
  let folder: MoRef;
  const folderPath = `/DC0/vm/${PREFIX}`;
  const roleNames: string[] = [];

  const govcRoles = () => govc.json<GovcRole[]>("role.ls", "-json");
  const govcRole = async (name: string) => (await govcRoles()).find((r) => r.name === name);
  /** Rules defined on the entity itself, as govc reads them. */
  const govcDirect = async (path: string) =>
    (await govc.json<{ Permissions: GovcPermission[] | null }>("permissions.ls", "-json", "-a=false", path))
      .Permissions ?? [];
  const key = (p: Pick<Permission, "principal" | "group">) => `${p.group ? "group" : "user"}:${p.principal}`;

  beforeAll(async () => {
    const { vcsim, env } = engines();
    govc = govcFor(env);
    s = await vcsimSession(vcsim);
    await govc("folder.create", folderPath);
    folder = await findByInventoryPath(s, folderPath, { type: "Folder" });
  });

  afterAll(async () => {
    // Rules first: vcsim keeps the rules of a destroyed entity (vCenter drops them with it).
    if (folder && s) {
      for (const p of await retrieveEntityPermissions(s, folder, false)) {
        await removeEntityPermission(s, folder, p.principal, p.group);
      }
    }
    await govc?.("object.destroy", folderPath).catch(() => {});
    for (const name of roleNames) await govc?.("role.remove", name).catch(() => {});
    await s?.close();
  });

  it("lists the roles govc sees, with ids, system flags and privileges", async () => {
    const ours = await listRoles(s);
    const theirs = await govcRoles();
    const norm = (r: { roleId: number; name: string; system: boolean; privileges: string[] }) => ({
      ...r,
      privileges: [...r.privileges].sort(),
    });
    expect(
      ours.map((r) => norm({ roleId: r.roleId, name: r.name, system: r.system, privileges: r.privileges })),
    ).toEqual(
      theirs.map((r) => norm({ roleId: r.roleId, name: r.name, system: r.system, privileges: r.privilege ?? [] })),
    );
    expect(ours.find((r) => r.name === "ReadOnly")?.privileges.sort()).toEqual([...SYSTEM_PRIVILEGES].sort());
  });

  it("lists the privileges govc sees (vcsim's privilegeList is empty)", async () => {
    const am = s.serviceContent.authorizationManager as MoRef;
    const [prop] = await govc.json<{ val: { _value?: { privId: string }[] | null } | null }[]>(
      "object.collect",
      "-json",
      `${am.type}:${am.value}`,
      "privilegeList",
    );
    const theirs = (prop?.val?._value ?? []).map((p) => p.privId).sort();
    const ours = await listPrivileges(s);
    expect(ours.map((p) => p.privId).sort()).toEqual(theirs);
    for (const p of ours) expect(p.groupName).not.toBe("");
  });

  it("adds a role and returns its real id (vcsim answers 0), then updates and removes it", async () => {
    const name = `${PREFIX}-role`;
    const renamed = `${PREFIX}-renamed`;
    roleNames.push(name, renamed);

    const role = await addRole(s, name, ["VirtualMachine.Config.AddNewDisk", "System.View"]);
    const seen = await govcRole(name);
    expect(seen?.roleId).toBe(role.roleId);
    expect(role.system).toBe(false);
    // vCenter adds the system privileges itself; callers compare without them.
    expect(withoutSystemPrivileges(seen?.privilege ?? [])).toEqual(["VirtualMachine.Config.AddNewDisk"]);
    expect(role.privileges).toEqual(expect.arrayContaining([...SYSTEM_PRIVILEGES]));
    expect(await findRoleByName(s, name)).toEqual(role);
    expect(await getRole(s, role.roleId)).toEqual(role);

    await updateRole(s, role.roleId, renamed, ["Datastore.Browse"]);
    const updated = await govcRole(renamed);
    expect(updated?.roleId).toBe(role.roleId);
    expect(withoutSystemPrivileges(updated?.privilege ?? [])).toEqual(["Datastore.Browse"]);
    expect(await govcRole(name)).toBeUndefined();

    // An empty set leaves just the system privileges (vcsim keeps the old set when sent none).
    await updateRole(s, role.roleId, renamed, []);
    expect((await govcRole(renamed))?.privilege?.sort()).toEqual([...SYSTEM_PRIVILEGES].sort());

    await removeRole(s, role.roleId, true);
    expect(await govcRole(renamed)).toBeUndefined();
    await expect(findRoleByName(s, renamed)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("gives each added role its own id", async () => {
    const names = [`${PREFIX}-a`, `${PREFIX}-b`];
    roleNames.push(...names);
    const [a, b] = [await addRole(s, names[0], ["Datastore.Browse"]), await addRole(s, names[1], [])];
    expect(a.roleId).not.toBe(b.roleId);
    expect((await govcRole(names[0]))?.roleId).toBe(a.roleId);
    expect((await govcRole(names[1]))?.roleId).toBe(b.roleId);
    await removeRole(s, a.roleId, false);
    await removeRole(s, b.roleId, false);
    expect(await govcRole(names[0])).toBeUndefined();
    expect(await govcRole(names[1])).toBeUndefined();
  });

  it("rejects a taken name and an unknown privilege with typed faults", async () => {
    await expect(addRole(s, "ReadOnly", [])).rejects.toBeInstanceOf(AlreadyExistsFault);
    const name = `${PREFIX}-bad`;
    roleNames.push(name);
    await expect(addRole(s, name, ["No.Such.Privilege"])).rejects.toBeInstanceOf(InvalidArgumentFault);
    expect(await govcRole(name)).toBeUndefined();
  });

  it("sets, upserts and removes one principal's rule on an entity", async () => {
    const readOnly = (await findRoleByName(s, "ReadOnly")).roleId;
    const admin = (await findRoleByName(s, "Admin")).roleId;

    await setEntityPermissions(s, folder, [{ principal: USER, group: false, roleId: readOnly, propagate: true }]);
    expect(await retrieveEntityPermissions(s, folder, false)).toEqual([
      { entity: folder, principal: USER, group: false, roleId: readOnly, propagate: true },
    ]);
    expect(await govcDirect(folderPath)).toEqual([
      { entity: folder, principal: USER, group: false, roleId: readOnly, propagate: true },
    ]);

    // Same principal again: its rule is replaced, not duplicated (vCenter and vcsim agree here).
    await setEntityPermissions(s, folder, [{ principal: USER, group: false, roleId: admin, propagate: false }]);
    const direct = await govcDirect(folderPath);
    expect(direct.filter((p) => p.principal === USER)).toEqual([
      { entity: folder, principal: USER, group: false, roleId: admin, propagate: false },
    ]);

    await removeEntityPermission(s, folder, USER, false);
    expect(await retrieveEntityPermissions(s, folder, false)).toEqual([]);
    expect(await govcDirect(folderPath)).toEqual([]);
  });

  it("sets a user and a group in one call and removes them one at a time", async () => {
    const readOnly = (await findRoleByName(s, "ReadOnly")).roleId;
    await setEntityPermissions(s, folder, [
      { principal: USER, group: false, roleId: readOnly, propagate: true },
      { principal: GROUP, group: true, roleId: readOnly, propagate: true },
    ]);
    expect((await govcDirect(folderPath)).map(key).sort()).toEqual([
      key({ principal: GROUP, group: true }),
      key({ principal: USER, group: false }),
    ]);

    // isGroup selects which rule goes: removing GROUP as a user must not touch the group's rule.
    await removeEntityPermission(s, folder, USER, false);
    expect((await govcDirect(folderPath)).map(key)).toEqual([key({ principal: GROUP, group: true })]);
    await removeEntityPermission(s, folder, GROUP, true);
    expect(await retrieveEntityPermissions(s, folder, false)).toEqual([]);
  });

  it("reports propagating ancestor rules only when asked for inherited ones", async () => {
    const childPath = `${folderPath}/child`;
    await govc("folder.create", childPath);
    try {
      const child = await findByInventoryPath(s, childPath, { type: "Folder" });
      const readOnly = (await findRoleByName(s, "ReadOnly")).roleId;
      await setEntityPermissions(s, folder, [{ principal: USER, group: false, roleId: readOnly, propagate: true }]);

      expect(await retrieveEntityPermissions(s, child, false)).toEqual([]);
      const inherited = await retrieveEntityPermissions(s, child, true);
      expect(inherited).toContainEqual({
        entity: folder,
        principal: USER,
        group: false,
        roleId: readOnly,
        propagate: true,
      });
      // The root folder's administrator rules reach every entity.
      expect(inherited.some((p) => p.entity?.value === s.serviceContent.rootFolder.value)).toBe(true);
      const theirs = (await govc.json<{ Permissions: GovcPermission[] }>("permissions.ls", "-json", childPath))
        .Permissions;
      const k = (p: GovcPermission) => `${p.entity?.value}/${key(p)}/${p.roleId}/${p.propagate}`;
      expect(inherited.map(k).sort()).toEqual(theirs.map(k).sort());

      const all = await retrieveAllPermissions(s);
      expect(all).toContainEqual({ entity: folder, principal: USER, group: false, roleId: readOnly, propagate: true });
      const rootRules = await govcDirect("/");
      for (const r of rootRules) expect(all).toContainEqual(r);
    } finally {
      await removeEntityPermission(s, folder, USER, false);
      await govc("object.destroy", childPath);
    }
  });

  it("sets a second principal without re-sending the first, which vCenter keeps unchanged", async () => {
    const readOnly = (await findRoleByName(s, "ReadOnly")).roleId;
    const first = { principal: USER, group: false, roleId: readOnly, propagate: true };
    await setEntityPermissions(s, folder, [first]);
    await setEntityPermissions(s, folder, [
      { principal: OTHER_USER, group: false, roleId: readOnly, propagate: false },
    ]);

    const direct = await govcDirect(folderPath);
    expect(direct.map(key).sort()).toEqual([key(first), key({ principal: OTHER_USER, group: false })].sort());
    expect(direct).toContainEqual({ entity: folder, ...first });
    expect(direct).toContainEqual({
      entity: folder,
      principal: OTHER_USER,
      group: false,
      roleId: readOnly,
      propagate: false,
    });
    // The same principal twice in one call: the last one wins, as the API reference says.
    await setEntityPermissions(s, folder, [
      { ...first, propagate: false },
      { ...first, roleId: (await findRoleByName(s, "Admin")).roleId },
    ]);
    expect((await govcDirect(folderPath)).filter((p) => p.principal === USER)).toEqual([
      { entity: folder, ...first, roleId: (await findRoleByName(s, "Admin")).roleId },
    ]);
    await removeEntityPermission(s, folder, OTHER_USER, false);
    await removeEntityPermission(s, folder, USER, false);
    expect(await govcDirect(folderPath)).toEqual([]);
  });

  it("answers NotFound when removing a rule the entity does not have", async () => {
    // Positive control first: an existing rule goes without a fault.
    const readOnly = (await findRoleByName(s, "ReadOnly")).roleId;
    await setEntityPermissions(s, folder, [{ principal: USER, group: false, roleId: readOnly, propagate: true }]);
    await removeEntityPermission(s, folder, USER, false);
    await expect(removeEntityPermission(s, folder, USER, false)).rejects.toBeInstanceOf(NotFoundFault);
    // The group flag is part of the key: a user's rule is not removed as a group's.
    await setEntityPermissions(s, folder, [{ principal: USER, group: false, roleId: readOnly, propagate: true }]);
    await expect(removeEntityPermission(s, folder, USER, true)).rejects.toBeInstanceOf(NotFoundFault);
    await removeEntityPermission(s, folder, USER, false);
    expect(await govcDirect(folderPath)).toEqual([]);
  });
});
