// The principal spellings and the lookup's request shapes and filtering. `session.call` is
// stubbed: the searches are answered the way vCenter's documentation describes (bare names,
// domain given apart, NotFound for an unknown domain); vcsim's own answers are covered by
// test/integration/vcenter-providers.test.ts.
import { describe, expect, it } from "vitest";
import { NoPermissionFault, NotFoundFault } from "./errors.js";
import type { VsphereSession } from "./session.js";
import { moRef } from "./types.js";
import { findPrincipal, isResultFor, parsePrincipal, retrieveUserGroups } from "./user-directory.js";

interface Sent {
  method: string;
  args: Record<string, unknown>;
}

/** A session whose RetrieveUserGroups answers with `answer(args)` and records each request. */
function session(answer: (args: Record<string, unknown>) => unknown): { s: VsphereSession; sent: Sent[] } {
  const sent: Sent[] = [];
  const s = {
    serviceContent: { userDirectory: moRef("UserDirectory", "UserDirectory") },
    call: (method: string, _self: unknown, args: Record<string, unknown>) => {
      sent.push({ method, args });
      return Promise.resolve(answer(args));
    },
  } as unknown as VsphereSession;
  return { s, sent };
}

const result = (principal: string, group = false) => ({ _type: "UserSearchResult", principal, fullName: "", group });

describe("parsePrincipal", () => {
  it.each([
    ["VSPHERE.LOCAL\\k8s-ccm", { domain: "VSPHERE.LOCAL", name: "k8s-ccm" }],
    ["k8s-ccm@vsphere.local", { domain: "vsphere.local", name: "k8s-ccm" }],
    ["k8s-ccm", { name: "k8s-ccm" }],
    ["\\k8s-ccm", { name: "\\k8s-ccm" }],
    ["k8s-ccm@", { name: "k8s-ccm@" }],
  ])("%s", (principal, want) => {
    expect(parsePrincipal(principal)).toEqual(want);
  });
});

describe("isResultFor", () => {
  const p = { domain: "VSPHERE.LOCAL", name: "k8s-ccm" };
  it("matches the bare name and either full spelling, without case", () => {
    for (const principal of ["k8s-ccm", "K8S-CCM", "vsphere.local\\k8s-ccm", "k8s-ccm@VSPHERE.LOCAL"])
      expect(isResultFor({ principal }, p)).toBe(true);
  });
  it("does not match a longer name or another domain", () => {
    for (const principal of ["k8s-ccm-2", "OTHER\\k8s-ccm", "k8s"]) expect(isResultFor({ principal }, p)).toBe(false);
  });
});

describe("retrieveUserGroups", () => {
  it("sends the parameters in vim25 order, leaving unset ones out, and decodes one or many results", async () => {
    const one = session(() => result("k8s-ccm"));
    expect(await retrieveUserGroups(one.s, { domain: "vsphere.local", searchStr: "k8s", findGroups: false })).toEqual([
      { principal: "k8s-ccm", fullName: "", group: false },
    ]);
    expect(one.sent[0].method).toBe("RetrieveUserGroups");
    expect(Object.entries(one.sent[0].args)).toEqual([
      ["domain", "vsphere.local"],
      ["searchStr", "k8s"],
      ["exactMatch", false],
      ["findUsers", true],
      ["findGroups", false],
    ]);
    const many = session(() => [result("a"), result("admins", true)]);
    expect((await retrieveUserGroups(many.s, { searchStr: "a", belongsToGroup: "g" })).map((r) => r.group)).toEqual([
      false,
      true,
    ]);
    expect(Object.keys(many.sent[0].args)).toEqual([
      "searchStr",
      "belongsToGroup",
      "exactMatch",
      "findUsers",
      "findGroups",
    ]);
    expect(await retrieveUserGroups(session(() => null).s, { searchStr: "x" })).toEqual([]);
  });
});

describe("findPrincipal", () => {
  it("finds a user with one exact search of users in its domain (vCenter answers the bare name)", async () => {
    const { s, sent } = session((a) => (a.exactMatch && a.searchStr === "k8s-ccm" ? [result("k8s-ccm")] : []));
    expect(await findPrincipal(s, "VSPHERE.LOCAL\\k8s-ccm", false)).toEqual({
      found: { principal: "k8s-ccm", fullName: "", group: false },
    });
    expect(sent.map((x) => x.args)).toEqual([
      { domain: "VSPHERE.LOCAL", searchStr: "k8s-ccm", exactMatch: true, findUsers: true, findGroups: false },
    ]);
  });

  it("falls back to a substring search of both kinds, filtered without case", async () => {
    // A directory whose exact match is case-sensitive (vcsim's): only the substring search finds it.
    const dir = [result("K8S-CCM"), result("k8s-ccm-other"), result("admins", true)];
    const { s, sent } = session((a) => (a.exactMatch ? [] : dir));
    expect((await findPrincipal(s, "k8s-ccm@vsphere.local", false)).found?.principal).toBe("K8S-CCM");
    expect(sent[1].args).toEqual({
      domain: "vsphere.local",
      searchStr: "k8s-ccm",
      exactMatch: false,
      findUsers: true,
      findGroups: true,
    });
  });

  it("reports a missing principal, a name of the other kind, and an unknown domain", async () => {
    const none = session(() => [result("k8s-ccm-2")]);
    expect(await findPrincipal(none.s, "VSPHERE.LOCAL\\k8s-ccm", false)).toEqual({
      found: undefined,
      otherKind: undefined,
    });
    const asGroup = session((a) => (a.exactMatch ? [] : [result("ops")]));
    expect(await findPrincipal(asGroup.s, "VSPHERE.LOCAL\\ops", true)).toMatchObject({
      found: undefined,
      otherKind: { principal: "ops", group: false },
    });
    const unknown = session(() => {
      throw new NotFoundFault("NotFound", "RetrieveUserGroups: vCenter fault NotFound", "RetrieveUserGroups");
    });
    expect(await findPrincipal(unknown.s, "NOPE\\k8s-ccm", false)).toEqual({ unknownDomain: true });
  });

  it("throws what means the answer is unknown (NoPermission)", async () => {
    const denied = session(() => {
      throw new NoPermissionFault("NoPermission", "denied", "RetrieveUserGroups");
    });
    await expect(findPrincipal(denied.s, "VSPHERE.LOCAL\\k8s-ccm", false)).rejects.toBeInstanceOf(NoPermissionFault);
  });
});
