// Role: a named set of privileges (AuthorizationManager roles).
//
// vCenter adds System.Anonymous, System.Read and System.View to every role it stores. Inputs are
// normalized without them (sorted, de-duplicated) and the state records the role's privileges
// the same way, so the three never show as a perpetual diff. Renames and privilege changes are
// one UpdateAuthorizationRole call: nothing about a role needs a replacement.
import {
  addRole,
  getRole,
  removeRole,
  retrieveAllPermissions,
  updateRole,
  withoutSystemPrivileges,
} from "../../vsphere/authorization.js";
import { AlreadyExistsFault, InvalidArgumentFault, NotFoundError, NotFoundFault } from "../../vsphere/errors.js";
import { inventoryPath } from "../../vsphere/inventory-path.js";
import { moKey, type MoRef } from "../../vsphere/types.js";
import { providerHandlers, type OpContext, type ResourceOps } from "./handlers.js";
import { decide, isUnknown, Problems, sameSet, sameValue, type CheckResult, type DiffDecision } from "./inputs.js";

export interface RoleInputs {
  name: string;
  /** Sorted, without the system privileges. */
  privileges: string[];
}

export interface RoleOutputs extends RoleInputs {
  /** vCenter's id of the role (also the resource id, as a string). */
  roleId: number;
}

/** "Group.Privilege" or deeper ("VirtualMachine.Config.AddNewDisk"). */
const PRIVILEGE_ID = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9_-]+)+$/;

export function checkRole(news: Record<string, unknown>): CheckResult<RoleInputs> {
  const p = new Problems();
  const name = p.string(news, "name", 'the role name, e.g. "k8s-ccm"');
  const privileges = p.stringList(news, "privileges", (priv, path) => {
    if (!PRIVILEGE_ID.test(priv))
      p.add(path, `${JSON.stringify(priv)} is not a privilege id; use ids like "VirtualMachine.Config.AddNewDisk"`);
  });
  if (news.privileges === undefined || news.privileges === null)
    p.add("privileges", 'required: a list of privilege ids, e.g. ["VirtualMachine.Config.AddNewDisk"] ([] for none)');
  return p.result({ name, privileges: normalizePrivileges(privileges) });
}

/** Privileges as the state keeps them: without the three vCenter adds itself, sorted, unique. */
export function normalizePrivileges(privileges: string[]): string[] {
  return isUnknown(privileges) ? privileges : withoutSystemPrivileges(privileges);
}

/** Same privilege sets, ignoring the system privileges vCenter adds to every role. */
export const samePrivileges = (a: readonly string[], b: readonly string[]): boolean =>
  !isUnknown(a) && !isUnknown(b) && sameSet(withoutSystemPrivileges(a), withoutSystemPrivileges(b));

export function diffRole(olds: RoleOutputs, news: RoleInputs): DiffDecision {
  const changed: string[] = [];
  if (!sameValue(olds.name, news.name)) changed.push("name");
  if (!samePrivileges(olds.privileges ?? [], news.privileges)) changed.push("privileges");
  return decide(changed, []);
}

function roleIdOf(id: string): number {
  const n = Number(id);
  if (id.trim() === "" || !Number.isInteger(n)) throw new Error(`role id ${JSON.stringify(id)} is not a number`);
  return n;
}

async function createRole({ vc, signal }: OpContext, inputs: RoleInputs): Promise<{ id: string; outs: RoleOutputs }> {
  const session = await vc.soap(signal);
  try {
    const role = await addRole(session, inputs.name, inputs.privileges, signal);
    return { id: String(role.roleId), outs: outputsOf(role) };
  } catch (err) {
    if (err instanceof AlreadyExistsFault)
      throw new Error(`role ${JSON.stringify(inputs.name)} already exists in vCenter; choose another name`, {
        cause: err,
      });
    if (err instanceof InvalidArgumentFault)
      throw new Error(
        `vCenter refused the privileges of role ${JSON.stringify(inputs.name)} (${err.message}); ` +
          "check every id against vCenter's privilege list",
        { cause: err },
      );
    throw err;
  }
}

const outputsOf = (role: { roleId: number; name: string; privileges: string[] }): RoleOutputs => ({
  name: role.name,
  privileges: withoutSystemPrivileges(role.privileges),
  roleId: role.roleId,
});

async function readRole({ vc, signal }: OpContext, id: string): Promise<RoleOutputs | undefined> {
  try {
    return outputsOf(await getRole(await vc.soap(signal), roleIdOf(id), signal));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

async function updateRoleOp({ vc, signal }: OpContext, id: string, news: RoleInputs): Promise<RoleOutputs> {
  const session = await vc.soap(signal);
  await updateRole(session, roleIdOf(id), news.name, news.privileges, signal);
  return outputsOf(await getRole(session, roleIdOf(id), signal));
}

/**
 * Removes the role unless a permission still uses it. vCenter would either refuse (failIfUsed)
 * or silently drop those permissions, other principals' included; vcsim ignores the flag. So the
 * check is ours, and names what is in the way.
 */
async function deleteRole({ vc, signal }: OpContext, id: string, props: RoleOutputs): Promise<void> {
  const session = await vc.soap(signal);
  const roleId = roleIdOf(id);
  const users = (await retrieveAllPermissions(session, signal)).filter((p) => p.roleId === roleId);
  if (users.length > 0) {
    const where = async (entity: MoRef | undefined) =>
      entity ? ` on ${await inventoryPath(session, entity, signal).catch(() => moKey(entity))}` : "";
    const list = await Promise.all(users.map(async (p) => `${p.principal}${await where(p.entity)}`));
    throw new Error(
      `role ${JSON.stringify(props.name)} is still used by ${users.length} permission(s): ${list.join(", ")}; ` +
        "remove them before the role",
    );
  }
  try {
    await removeRole(session, roleId, true, signal);
  } catch (err) {
    if (!(err instanceof NotFoundFault)) throw err; // already gone: nothing to do
  }
}

export const roleOps: ResourceOps<RoleInputs, RoleOutputs> = {
  check: checkRole,
  diff: diffRole,
  create: createRole,
  read: (ctx, id) => readRole(ctx, id),
  update: (ctx, id, _olds, news) => updateRoleOp(ctx, id, news),
  delete: deleteRole,
};

/** What the Role's dynamic provider calls (provider.ts imports this module by package name). */
export const handlers = providerHandlers(roleOps);
