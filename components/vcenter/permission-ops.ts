// Permission: one principal's rule (role, propagate) on one inventory object.
//
// A resource owns exactly one entry, keyed by entity + principal + group flag, and never claims
// or removes another principal's entry. An entry that exists before the resource is an error
// unless `adopt` is set; an adopted entry's previous role and propagate flag are recorded and put
// back on delete, so a destroy leaves the entity as it found it.
//
// Every write sends our principal's entry and nothing else. vCenter's SetEntityPermissions
// "defines one or more permission rules on an entity or updates rules if already present for the
// given user or group on the entity" (vSphere API reference, AuthorizationManager), so other
// principals' entries are left as they are, including changes made to them while we run. Reading
// the entity's list and sending it back would rewrite entries we have no business touching and
// revert a concurrent change to them. (Our vcsim implements the documented semantics; see
// test/env/go/govmomi/vcsim/authz.go.)
//
// `check` also asks vCenter that the principal exists (principal-check.ts), so a preview fails
// early for a user or group SSO does not know.
import {
  listRoles,
  removeEntityPermission,
  retrieveEntityPermissions,
  setEntityPermissions,
  type Permission,
  type PermissionSpec,
  type Role,
} from "../../vsphere/authorization.js";
import { ManagedObjectNotFoundFault, NotFoundError, NotFoundFault } from "../../vsphere/errors.js";
import { findByInventoryPath } from "../../vsphere/inventory-path.js";
import type { VsphereSession } from "../../vsphere/session.js";
import { moRef, type MoRef } from "../../vsphere/types.js";
import { providerHandlers, type OpContext, type ResourceOps } from "./handlers.js";
import { decide, Problems, sameValue, UNKNOWN, type CheckResult, type DiffDecision } from "./inputs.js";
import { principalVerifier } from "./principal-check.js";

export interface PermissionInputs {
  /** Inventory path of the object, e.g. "/DC0/vm/kubernetes". */
  entity: string;
  principal: string;
  group: boolean;
  /** Exactly one of roleName and roleId is set. */
  roleName?: string;
  roleId?: number;
  propagate: boolean;
  adopt: boolean;
}

export interface PermissionOutputs extends PermissionInputs {
  /** Both resolved, whichever the inputs named. */
  roleName: string;
  roleId: number;
  entityType: string;
  entityMoid: string;
  /** The principal's entry (as vCenter spelled it) found at creation and adopted; restored on delete. */
  adoptedFrom?: { principal: string; roleId: number; propagate: boolean };
}

export function checkPermission(news: Record<string, unknown>): CheckResult<PermissionInputs> {
  const p = new Problems();
  const entity = p.string(news, "entity", 'the inventory path of the object, e.g. "/DC0/vm/kubernetes"');
  if (entity && entity !== UNKNOWN && !entity.startsWith("/"))
    p.add("entity", `${JSON.stringify(entity)} is not an inventory path; start it with "/", e.g. "/DC0/vm/kubernetes"`);
  const principal = p.string(news, "principal", 'a user or group, e.g. "VSPHERE.LOCAL\\\\k8s-ccm"');
  const roleName = p.optionalString(news, "roleName", 'the name of a role, e.g. "ReadOnly"');
  if (roleName === "") p.add("roleName", 'must not be empty: the name of a role, e.g. "ReadOnly"');
  let roleId: number | undefined;
  if (news.roleId !== undefined && news.roleId !== null) {
    if (news.roleId === UNKNOWN || (typeof news.roleId === "number" && Number.isInteger(news.roleId)))
      roleId = news.roleId as number;
    else p.add("roleId", `expected a whole number (a role's id), got ${JSON.stringify(news.roleId)}`);
  }
  const hasName = news.roleName !== undefined && news.roleName !== null;
  const hasId = news.roleId !== undefined && news.roleId !== null;
  if (hasName === hasId)
    p.add("roleName", "set exactly one of roleName and roleId (e.g. roleId: role.roleId of a Role resource)");
  const inputs: PermissionInputs = {
    entity: entity.replace(/(.)\/+$/, "$1"),
    principal,
    group: p.boolean(news, "group", false),
    propagate: p.boolean(news, "propagate", true),
    adopt: p.boolean(news, "adopt", false),
  };
  if (roleName !== undefined) inputs.roleName = roleName;
  if (roleId !== undefined) inputs.roleId = roleId;
  return p.result(inputs);
}

const sameName = (a: unknown, b: unknown) =>
  typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : sameValue(a, b);

export function diffPermission(olds: PermissionOutputs, news: PermissionInputs): DiffDecision {
  const changed: string[] = [];
  if (!sameValue(olds.entity, news.entity)) changed.push("entity");
  // vCenter compares principals without regard to case (and stores the domain upper-cased).
  if (!sameName(olds.principal, news.principal)) changed.push("principal");
  if (!sameValue(olds.group, news.group)) changed.push("group");
  if (news.roleName !== undefined && !sameValue(olds.roleName, news.roleName)) changed.push("roleName");
  if (news.roleId !== undefined && !sameValue(olds.roleId, news.roleId)) changed.push("roleId");
  if (!sameValue(olds.propagate, news.propagate)) changed.push("propagate");
  if (!sameValue(olds.adopt, news.adopt)) changed.push("adopt");
  const d = decide(changed, ["entity", "principal", "group"]);
  // The new entry may be on the same object for the same principal (a path that moved): the
  // old one goes first, or the new one would find it and refuse.
  return d.replaces.length > 0 ? { ...d, deleteBeforeReplace: true } : d;
}

/** Whether `p` is the entry of `principal` (user or group); principals compare without case. */
export const isEntryOf = (p: Pick<Permission, "principal" | "group">, principal: string, group: boolean): boolean =>
  p.group === group && p.principal.toLowerCase() === principal.toLowerCase();

/**
 * What to send for our principal: its entry alone, spelled as vCenter already spells it when it
 * has one (`existing`), so the upsert replaces that entry rather than adding a second.
 */
export function ourEntry(
  existing: Pick<Permission, "principal"> | undefined,
  principal: string,
  group: boolean,
  rule: Pick<PermissionSpec, "roleId" | "propagate">,
): [PermissionSpec] {
  return [{ principal: existing?.principal ?? principal, group, roleId: rule.roleId, propagate: rule.propagate }];
}

export const permissionId = (entity: MoRef, principal: string, group: boolean): string =>
  `${entity.type}:${entity.value}/${group ? "group" : "user"}:${principal}`;

async function resolveEntity(session: VsphereSession, path: string, signal: AbortSignal): Promise<MoRef> {
  try {
    return await findByInventoryPath(session, path, { signal });
  } catch (err) {
    if (err instanceof NotFoundError)
      throw new Error(`entity ${JSON.stringify(path)} not found in vCenter's inventory; check the path`, {
        cause: err,
      });
    throw err;
  }
}

function resolveRole(roles: readonly Role[], inputs: Pick<PermissionInputs, "roleName" | "roleId">): Role {
  const role =
    inputs.roleName !== undefined
      ? roles.find((r) => r.name === inputs.roleName)
      : roles.find((r) => r.roleId === inputs.roleId);
  if (!role) {
    const what = inputs.roleName !== undefined ? JSON.stringify(inputs.roleName) : `with id ${inputs.roleId}`;
    throw new Error(`role ${what} not found in vCenter`);
  }
  return role;
}

const roleLabel = (roles: readonly Role[], roleId: number) =>
  `${roles.find((r) => r.roleId === roleId)?.name ?? "?"} (id ${roleId})`;

async function createPermission(
  { vc, signal }: OpContext,
  inputs: PermissionInputs,
): Promise<{ id: string; outs: PermissionOutputs }> {
  const session = await vc.soap(signal);
  const entity = await resolveEntity(session, inputs.entity, signal);
  const roles = await listRoles(session, signal);
  const role = resolveRole(roles, inputs);
  const current = await retrieveEntityPermissions(session, entity, false, signal);
  const existing = current.find((p) => isEntryOf(p, inputs.principal, inputs.group));
  if (existing && !inputs.adopt) {
    throw new Error(
      `${inputs.group ? "group" : "user"} "${existing.principal}" already has a permission on ` +
        `${JSON.stringify(inputs.entity)} (role ${roleLabel(roles, existing.roleId)}); set adopt: true to manage ` +
        "that entry (its role is put back on delete), or remove it first",
    );
  }
  await setEntityPermissions(
    session,
    entity,
    ourEntry(existing, inputs.principal, inputs.group, { roleId: role.roleId, propagate: inputs.propagate }),
    signal,
  );
  const outs: PermissionOutputs = {
    ...inputs,
    roleName: role.name,
    roleId: role.roleId,
    entityType: entity.type,
    entityMoid: entity.value,
  };
  if (existing) {
    outs.adoptedFrom = { principal: existing.principal, roleId: existing.roleId, propagate: existing.propagate };
  }
  return { id: permissionId(entity, inputs.principal, inputs.group), outs };
}

const entityOf = (props: PermissionOutputs): MoRef => moRef(props.entityType, props.entityMoid);

/** The entity's own entries; undefined when the entity itself is gone. */
async function entriesOf(session: VsphereSession, entity: MoRef, signal: AbortSignal) {
  try {
    return await retrieveEntityPermissions(session, entity, false, signal);
  } catch (err) {
    if (err instanceof ManagedObjectNotFoundFault) return undefined;
    throw err;
  }
}

async function readPermission(
  { vc, signal }: OpContext,
  props: PermissionOutputs,
): Promise<PermissionOutputs | undefined> {
  const session = await vc.soap(signal);
  const mine = (await entriesOf(session, entityOf(props), signal))?.find((p) =>
    isEntryOf(p, props.principal, props.group),
  );
  if (!mine) return undefined;
  const roles = await listRoles(session, signal);
  const roleName = roles.find((r) => r.roleId === mine.roleId)?.name ?? "";
  return { ...props, roleId: mine.roleId, roleName, propagate: mine.propagate };
}

async function updatePermission(
  { vc, signal }: OpContext,
  olds: PermissionOutputs,
  news: PermissionInputs,
): Promise<PermissionOutputs> {
  const session = await vc.soap(signal);
  const entity = entityOf(olds);
  const role = resolveRole(await listRoles(session, signal), news);
  const existing = (await entriesOf(session, entity, signal))?.find((p) => isEntryOf(p, news.principal, news.group));
  await setEntityPermissions(
    session,
    entity,
    ourEntry(existing, news.principal, news.group, { roleId: role.roleId, propagate: news.propagate }),
    signal,
  );
  return { ...olds, ...news, roleName: role.name, roleId: role.roleId };
}

async function deletePermission({ vc, signal }: OpContext, props: PermissionOutputs): Promise<void> {
  const session = await vc.soap(signal);
  const entity = entityOf(props);
  const current = await entriesOf(session, entity, signal);
  if (!current) return; // the entity is gone, and its permissions with it
  const mine = current.find((p) => isEntryOf(p, props.principal, props.group));
  if (props.adoptedFrom) {
    const { principal, roleId, propagate } = props.adoptedFrom;
    await setEntityPermissions(session, entity, ourEntry(mine, principal, props.group, { roleId, propagate }), signal);
    return;
  }
  if (!mine) return;
  try {
    await removeEntityPermission(session, entity, mine.principal, mine.group, signal);
  } catch (err) {
    if (!(err instanceof NotFoundFault)) throw err;
  }
}

export const permissionOps: ResourceOps<PermissionInputs, PermissionOutputs> = {
  check: checkPermission,
  verify: principalVerifier(),
  diff: diffPermission,
  create: createPermission,
  read: (ctx, _id, props) => readPermission(ctx, props),
  update: (ctx, _id, olds, news) => updatePermission(ctx, olds, news),
  delete: (ctx, _id, props) => deletePermission(ctx, props),
};

/** What the Permission's dynamic provider calls (provider.ts imports this module by package name). */
export const handlers = providerHandlers(permissionOps);
