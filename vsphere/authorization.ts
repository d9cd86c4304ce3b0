// Roles, privileges and permissions through the AuthorizationManager.
//
// Two vCenter behaviours callers must know:
// - vCenter adds System.Anonymous, System.Read and System.View to every role it stores, whatever
//   the request listed. Compare privilege sets with `withoutSystemPrivileges` on both sides, or a
//   role will always look drifted. We send them ourselves too (see `rolePrivileges`), so the
//   request says what the server will hold.
// - SetEntityPermissions upserts: it adds or replaces the entries of the principals it is given
//   and leaves the entity's other entries alone. Send only the principals you mean to change.
//   (govmomi's simulator replaces the entity's whole list; our vcsim main corrects that, see
//   test/env/go/govmomi/vcsim/authz.go.)
import { NotFoundError } from "./errors.js";
import { objectProperties } from "./property.js";
import { asArray, asBoolean, asMoRef, asNumber, asObject, asString, moArg, type Decoded } from "./soap/codec.js";
import type { VsphereSession } from "./session.js";
import type { MoRef } from "./types.js";

/** Privileges vCenter puts in every role by itself. */
export const SYSTEM_PRIVILEGES: readonly string[] = ["System.Anonymous", "System.Read", "System.View"];

export interface Role {
  /** Negative for the built-in system roles; vCenter's custom roles are positive (vcsim's start at 0). */
  roleId: number;
  name: string;
  /** Built in, cannot be changed or removed. */
  system: boolean;
  /** As stored, including SYSTEM_PRIVILEGES. */
  privileges: string[];
  label?: string;
  summary?: string;
}

export interface Privilege {
  privId: string;
  name: string;
  groupName: string;
  /** Checked on the parent of the entity (e.g. VirtualMachine.Inventory.Create on the folder). */
  onParent: boolean;
}

/** One permission rule: `principal` holds `roleId` on `entity` (and below it when propagating). */
export interface Permission {
  entity?: MoRef;
  /** User or group, e.g. "VSPHERE.LOCAL\\k8s-ccm". */
  principal: string;
  group: boolean;
  roleId: number;
  propagate: boolean;
}

/** What to set for one principal on an entity. */
export type PermissionSpec = Omit<Permission, "entity">;

/** `privileges` without the three vCenter adds to every role, sorted: for comparing privilege sets. */
export function withoutSystemPrivileges(privileges: readonly string[]): string[] {
  return [...new Set(privileges)].filter((p) => !SYSTEM_PRIVILEGES.includes(p)).sort();
}

/** What we send for a role: the caller's privileges plus the system ones, as vCenter will store them. */
function rolePrivileges(privileges: readonly string[]): string[] {
  return [...withoutSystemPrivileges(privileges), ...SYSTEM_PRIVILEGES];
}

function authorizationManager(session: VsphereSession): MoRef {
  const am = session.serviceContent.authorizationManager;
  if (!am) throw new Error("this endpoint has no AuthorizationManager (an ESXi host without vCenter?)");
  return am;
}

function decodeRole(d: Decoded): Role | undefined {
  const o = asObject(d);
  const roleId = asNumber(o?.roleId);
  const name = asString(o?.name);
  if (!o || roleId === undefined || name === undefined) return undefined;
  const info = asObject(o.info);
  return {
    roleId,
    name,
    system: asBoolean(o.system) ?? false,
    privileges: asArray(o.privilege)
      .map((p) => asString(p))
      .filter((p): p is string => !!p),
    label: asString(info?.label),
    summary: asString(info?.summary),
  };
}

function decodePermission(d: Decoded): Permission | undefined {
  const o = asObject(d);
  const principal = asString(o?.principal);
  const roleId = asNumber(o?.roleId);
  if (!o || principal === undefined || roleId === undefined) return undefined;
  return {
    entity: asMoRef(o.entity),
    principal,
    group: asBoolean(o.group) ?? false,
    roleId,
    propagate: asBoolean(o.propagate) ?? false,
  };
}

const decodePermissions = (d: Decoded): Permission[] =>
  asArray(d)
    .map(decodePermission)
    .filter((p): p is Permission => !!p);

/** Every role, system ones included (AuthorizationManager.roleList): one call. */
export async function listRoles(session: VsphereSession, signal?: AbortSignal): Promise<Role[]> {
  const props = await objectProperties(session, authorizationManager(session), ["roleList"], signal);
  return asArray(props.roleList)
    .map(decodeRole)
    .filter((r): r is Role => !!r);
}

/** The role called `name` (names are unique in vCenter); NotFoundError when there is none. */
export async function findRoleByName(session: VsphereSession, name: string, signal?: AbortSignal): Promise<Role> {
  const role = (await listRoles(session, signal)).find((r) => r.name === name);
  if (!role) throw new NotFoundError("role", name);
  return role;
}

/** The role with id `roleId`; NotFoundError when there is none. */
export async function getRole(session: VsphereSession, roleId: number, signal?: AbortSignal): Promise<Role> {
  const role = (await listRoles(session, signal)).find((r) => r.roleId === roleId);
  if (!role) throw new NotFoundError("role", String(roleId));
  return role;
}

/** Every privilege vCenter knows (AuthorizationManager.privilegeList; empty in vcsim). */
export async function listPrivileges(session: VsphereSession, signal?: AbortSignal): Promise<Privilege[]> {
  const props = await objectProperties(session, authorizationManager(session), ["privilegeList"], signal);
  const out: Privilege[] = [];
  for (const d of asArray(props.privilegeList)) {
    const o = asObject(d);
    const privId = asString(o?.privId);
    if (!o || !privId) continue;
    out.push({
      privId,
      name: asString(o.name) ?? "",
      groupName: asString(o.privGroupName) ?? "",
      onParent: asBoolean(o.onParent) ?? false,
    });
  }
  return out;
}

/**
 * Creates a role and returns it as stored. Two calls: AddAuthorizationRole, then the role list,
 * because vcsim's AddAuthorizationRole answers 0 whatever id it assigned (vCenter answers the id).
 * AlreadyExistsFault when the name is taken, InvalidArgumentFault for an unknown privilege.
 */
export async function addRole(
  session: VsphereSession,
  name: string,
  privileges: readonly string[],
  signal?: AbortSignal,
): Promise<Role> {
  await session.call(
    "AddAuthorizationRole",
    authorizationManager(session),
    { name, privIds: rolePrivileges(privileges) },
    { signal },
  );
  return findRoleByName(session, name, signal);
}

/**
 * Renames a role and sets its privileges (the whole set; SYSTEM_PRIVILEGES are added). An empty
 * list leaves only the system privileges on both engines (vcsim would keep the old ones if we sent
 * none). NotFoundFault for an unknown id, AlreadyExistsFault when another role has `newName`.
 */
export async function updateRole(
  session: VsphereSession,
  roleId: number,
  newName: string,
  privileges: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  await session.call(
    "UpdateAuthorizationRole",
    authorizationManager(session),
    { roleId, newName, privIds: rolePrivileges(privileges) },
    { signal },
  );
}

/**
 * Removes a role. With `failIfUsed`, vCenter refuses with a RemoveFailed fault while a permission
 * uses it; without, vCenter removes the role and the permissions that use it. vcsim ignores
 * `failIfUsed` and leaves such permissions dangling. NotFoundFault for an unknown id.
 */
export async function removeRole(
  session: VsphereSession,
  roleId: number,
  failIfUsed: boolean,
  signal?: AbortSignal,
): Promise<void> {
  await session.call("RemoveAuthorizationRole", authorizationManager(session), { roleId, failIfUsed }, { signal });
}

/**
 * Permissions defined on `entity`; with `inherited`, also those that reach it from its ancestors
 * (each carrying the ancestor as `entity`). vCenter lists only propagating ancestor rules there;
 * vcsim lists non-propagating ones too.
 */
export async function retrieveEntityPermissions(
  session: VsphereSession,
  entity: MoRef,
  inherited: boolean,
  signal?: AbortSignal,
): Promise<Permission[]> {
  const res = await session.call(
    "RetrieveEntityPermissions",
    authorizationManager(session),
    { entity: moArg(entity), inherited },
    { signal },
  );
  return decodePermissions(res);
}

/** Every permission rule in the inventory. */
export async function retrieveAllPermissions(session: VsphereSession, signal?: AbortSignal): Promise<Permission[]> {
  return decodePermissions(await session.call("RetrieveAllPermissions", authorizationManager(session), {}, { signal }));
}

/**
 * Sets the rules of the given principals on `entity`: adds them or replaces those principals'
 * existing rules, keeping other principals' rules (see the module comment). UserNotFound on
 * vCenter for an unknown principal.
 */
export async function setEntityPermissions(
  session: VsphereSession,
  entity: MoRef,
  permissions: readonly PermissionSpec[],
  signal?: AbortSignal,
): Promise<void> {
  const permission = permissions.map((p) => ({
    entity: moArg(entity),
    principal: p.principal,
    group: p.group,
    roleId: p.roleId,
    propagate: p.propagate,
  }));
  await session.call(
    "SetEntityPermissions",
    authorizationManager(session),
    { entity: moArg(entity), permission },
    { signal },
  );
}

/**
 * Removes the rule of one user or group defined on `entity` itself (not an inherited one).
 * NotFoundFault when there is no such rule (our vcsim too; govmomi's own succeeds silently).
 */
export async function removeEntityPermission(
  session: VsphereSession,
  entity: MoRef,
  principal: string,
  isGroup: boolean,
  signal?: AbortSignal,
): Promise<void> {
  await session.call(
    "RemoveEntityPermission",
    authorizationManager(session),
    { entity: moArg(entity), user: principal, isGroup },
    { signal },
  );
}
