// The Permission's check against vCenter: its principal must exist in vCenter's directory (SSO)
// before a permission can name it. vCenter refuses SetEntityPermissions for an unknown principal
// (UserNotFound) while vcsim accepts any name; asking UserDirectory.RetrieveUserGroups during
// `check` makes `pulumi preview` fail early, naming the principal, the property and the fix.
//
// Asked only when vCenter has not accepted this principal for this resource yet: a new resource,
// or another principal or group flag than the recorded inputs; never with unknown values. A
// NoPermission answer (the admin account lacks Authorization.ModifyPermissions, which the search
// needs) is "could not ask", like an unreachable vCenter: a warning, not a failure (handlers.ts).
import { NoPermissionFault } from "../../vsphere/errors.js";
import { findPrincipal, parsePrincipal, type PrincipalLookup } from "../../vsphere/user-directory.js";
import type { OpContext, VcenterCheck } from "./handlers.js";
import { isUnknown, type CheckFailure } from "./inputs.js";

export interface PrincipalInputs {
  principal: string;
  group: boolean;
}

const kindOf = (group: boolean) => (group ? "group" : "user");

/** Whether vCenter must be asked: known values that the recorded inputs do not already hold. */
export function needsPrincipalCheck(inputs: PrincipalInputs, olds: Record<string, unknown>): boolean {
  if (isUnknown(inputs.principal) || isUnknown(inputs.group)) return false;
  const same =
    typeof olds.principal === "string" &&
    olds.principal.toLowerCase() === inputs.principal.toLowerCase() &&
    olds.group === inputs.group;
  return !same;
}

/** The failures a lookup means: none when found, else one on `principal` saying how to fix it. */
export function principalFailures({ principal, group }: PrincipalInputs, lookup: PrincipalLookup): CheckFailure[] {
  if (lookup.found) return [];
  const { domain, name } = parsePrincipal(principal);
  const what = `${kindOf(group)} ${JSON.stringify(principal)}`;
  let reason: string;
  if (lookup.unknownDomain) {
    reason =
      `${what}: vCenter has no domain ${JSON.stringify(domain)} to search; check the domain ` +
      '(e.g. "VSPHERE.LOCAL\\\\name" or "name@vsphere.local"), or add that identity source in SSO';
  } else {
    const where = domain === undefined ? "" : ` in domain ${JSON.stringify(domain)}`;
    reason =
      `${what} does not exist in vCenter (no ${kindOf(group)} ${JSON.stringify(name)}${where}): create it in SSO ` +
      "first (vSphere Client: Administration > Single Sign On > Users and Groups), or check the name and the domain";
    if (domain === undefined) reason += '; give the domain too, e.g. "VSPHERE.LOCAL\\\\name"';
    if (lookup.otherKind) reason += `; a ${kindOf(!group)} of that name exists: set group: ${!group}`;
  }
  return [{ property: "principal", reason }];
}

async function lookUp(ctx: OpContext, { principal, group }: PrincipalInputs): Promise<PrincipalLookup> {
  try {
    return await findPrincipal(await ctx.vc.soap(ctx.signal), principal, group, ctx.signal);
  } catch (err) {
    if (err instanceof NoPermissionFault)
      throw new Error(
        `vCenter refused the user search: the account in vsphere:user lacks Authorization.ModifyPermissions (${err.message})`,
        { cause: err },
      );
    throw err;
  }
}

/**
 * The Permission's `verify`. Lookups are kept for the provider process (one `pulumi` command)
 * by server, admin account, principal and kind, so the permissions of one principal on several
 * objects cost one search; a failed lookup is kept too, so they warn once, not time out each.
 */
export function principalVerifier(): (
  inputs: PrincipalInputs,
  olds: Record<string, unknown>,
) => VcenterCheck | undefined {
  const lookups = new Map<string, Promise<PrincipalLookup>>();
  return (inputs, olds) => {
    if (!needsPrincipalCheck(inputs, olds)) return undefined;
    return {
      subject: `${kindOf(inputs.group)} ${JSON.stringify(inputs.principal)} exists`,
      ask: async (ctx) => {
        const { host, port, user } = ctx.vc.settings;
        const key = [host, port, user, inputs.principal.toLowerCase(), inputs.group].join("\n");
        let lookup = lookups.get(key);
        if (!lookup) {
          lookup = lookUp(ctx, inputs);
          lookups.set(key, lookup);
        }
        return principalFailures(inputs, await lookup);
      },
    };
  };
}
