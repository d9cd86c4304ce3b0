// Users and groups vCenter knows: UserDirectory.RetrieveUserGroups, and the two spellings of a
// principal, "DOMAIN\name" (how permissions store it) and "name@domain" (the login form).
//
// How the engines answer, which `findPrincipal` is written for:
// - vCenter searches one identity source: `domain` names it, `searchStr` is matched against the
//   name within it (case-insensitive substring, or the whole name with `exactMatch`), and each
//   UserSearchResult.principal is that bare name ("k8s-ccm"; the domain is the one searched).
//   An unknown domain is a NotFound fault. The caller needs Authorization.ModifyPermissions on
//   some entity, or vCenter answers NoPermission.
// - vcsim ignores `domain` and holds bare names (root, admin, and users made through
//   HostLocalAccountManager.CreateUser); its exact match is case-sensitive, its substring match
//   is not. So a case-insensitive comparison needs the substring search, filtered here.
import { NotFoundFault } from "./errors.js";
import { asArray, asBoolean, asObject, asString } from "./soap/codec.js";
import type { VsphereSession } from "./session.js";
import type { MoRef } from "./types.js";

/** A principal split into its parts; `domain` is absent for a bare name. */
export interface PrincipalName {
  domain?: string;
  name: string;
}

/** "DOMAIN\name" or "name@domain" split at the first `\` or `@`; anything else is a bare name. */
export function parsePrincipal(principal: string): PrincipalName {
  const slash = principal.indexOf("\\");
  if (slash > 0 && slash < principal.length - 1)
    return { domain: principal.slice(0, slash), name: principal.slice(slash + 1) };
  const at = principal.indexOf("@");
  if (at > 0 && at < principal.length - 1) return { domain: principal.slice(at + 1), name: principal.slice(0, at) };
  return { name: principal };
}

export interface UserSearchResult {
  /** The user's login or the group's name, as the directory spells it. */
  principal: string;
  fullName?: string;
  group: boolean;
}

/** RetrieveUserGroups' parameters; booleans default to a search of users and groups by substring. */
export interface UserSearch {
  /** The identity source, e.g. "vsphere.local"; unset searches the server's local users. */
  domain?: string;
  /** Matched against names (users: login and full name; groups: name and description). */
  searchStr: string;
  belongsToGroup?: string;
  belongsToUser?: string;
  exactMatch?: boolean;
  findUsers?: boolean;
  findGroups?: boolean;
}

function userDirectory(session: VsphereSession): MoRef {
  const ud = session.serviceContent.userDirectory;
  if (!ud) throw new Error("this endpoint has no UserDirectory, so users and groups cannot be looked up");
  return ud;
}

/** One RetrieveUserGroups call. NoPermissionFault without Authorization.ModifyPermissions. */
export async function retrieveUserGroups(
  session: VsphereSession,
  search: UserSearch,
  signal?: AbortSignal,
): Promise<UserSearchResult[]> {
  // vim25 order; optional parameters left out when unset (an empty domain means something).
  const args: Record<string, unknown> = {};
  if (search.domain !== undefined) args.domain = search.domain;
  args.searchStr = search.searchStr;
  if (search.belongsToGroup !== undefined) args.belongsToGroup = search.belongsToGroup;
  if (search.belongsToUser !== undefined) args.belongsToUser = search.belongsToUser;
  args.exactMatch = search.exactMatch ?? false;
  args.findUsers = search.findUsers ?? true;
  args.findGroups = search.findGroups ?? true;
  const res = await session.call("RetrieveUserGroups", userDirectory(session), args, { signal });
  const out: UserSearchResult[] = [];
  for (const d of asArray(res)) {
    const o = asObject(d);
    const principal = asString(o?.principal);
    if (!o || principal === undefined) continue;
    out.push({ principal, fullName: asString(o.fullName), group: asBoolean(o.group) ?? false });
  }
  return out;
}

/**
 * Whether a search result is `p`: its principal is `p`'s name, or (vcsim may hold whole
 * spellings) `p` written either way, all without regard to case.
 */
export function isResultFor(result: Pick<UserSearchResult, "principal">, p: PrincipalName): boolean {
  const spellings = [p.name];
  if (p.domain !== undefined) spellings.push(`${p.domain}\\${p.name}`, `${p.name}@${p.domain}`);
  const have = result.principal.toLowerCase();
  return spellings.some((s) => s.toLowerCase() === have);
}

export interface PrincipalLookup {
  /** The directory's entry of the principal, of the kind asked for. */
  found?: UserSearchResult;
  /** An entry of that name of the other kind (a group when a user was asked for, or back). */
  otherKind?: UserSearchResult;
  /** vCenter answered that the domain does not exist. */
  unknownDomain?: boolean;
}

/**
 * Looks `principal` ("DOMAIN\name", "name@domain" or a bare name) up as a user or, with `group`,
 * a group. One exact search; when it finds nothing, one substring search of both kinds filtered
 * here (case differences, vcsim, and the hint that the other kind exists). Faults other than an
 * unknown domain (NoPermission, ...) and transport errors are thrown: the answer is unknown.
 */
export async function findPrincipal(
  session: VsphereSession,
  principal: string,
  group: boolean,
  signal?: AbortSignal,
): Promise<PrincipalLookup> {
  const p = parsePrincipal(principal);
  const base = { domain: p.domain, searchStr: p.name };
  try {
    const exact = await retrieveUserGroups(
      session,
      { ...base, exactMatch: true, findUsers: !group, findGroups: group },
      signal,
    );
    const found = exact.find((r) => r.group === group && isResultFor(r, p));
    if (found) return { found };
    const loose = (await retrieveUserGroups(session, base, signal)).filter((r) => isResultFor(r, p));
    return { found: loose.find((r) => r.group === group), otherKind: loose.find((r) => r.group !== group) };
  } catch (err) {
    if (err instanceof NotFoundFault) return { unknownDomain: true };
    throw err;
  }
}
