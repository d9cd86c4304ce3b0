import { describe, expect, it } from "vitest";
import { UNKNOWN } from "./inputs.js";
import { needsPrincipalCheck, principalFailures, principalVerifier } from "./principal-check.js";

const user = { principal: "VSPHERE.LOCAL\\k8s-ccm", group: false };

describe("needsPrincipalCheck", () => {
  it("asks for a new resource, another principal or another kind", () => {
    expect(needsPrincipalCheck(user, {})).toBe(true);
    expect(needsPrincipalCheck(user, { principal: "VSPHERE.LOCAL\\other", group: false })).toBe(true);
    expect(needsPrincipalCheck(user, { principal: user.principal, group: true })).toBe(true);
  });

  it("does not ask again for the recorded principal (case aside) or with unknown values", () => {
    expect(needsPrincipalCheck(user, { principal: "vsphere.local\\K8S-CCM", group: false })).toBe(false);
    expect(needsPrincipalCheck({ principal: UNKNOWN, group: false }, {})).toBe(false);
    expect(needsPrincipalCheck({ principal: "u", group: UNKNOWN as unknown as boolean }, {})).toBe(false);
    expect(principalVerifier()(user, { principal: user.principal, group: false })).toBeUndefined();
    expect(principalVerifier()(user, {})?.subject).toBe('user "VSPHERE.LOCAL\\\\k8s-ccm" exists');
  });
});

describe("principalFailures", () => {
  it("passes a principal that was found", () => {
    expect(principalFailures(user, { found: { principal: "k8s-ccm", group: false } })).toEqual([]);
  });

  it("names the principal, the property and the fix", () => {
    expect(principalFailures(user, {})).toEqual([
      {
        property: "principal",
        reason:
          'user "VSPHERE.LOCAL\\\\k8s-ccm" does not exist in vCenter (no user "k8s-ccm" in domain "VSPHERE.LOCAL"): ' +
          "create it in SSO first (vSphere Client: Administration > Single Sign On > Users and Groups), or check " +
          "the name and the domain",
      },
    ]);
  });

  it("points at the group flag, the missing domain, an unknown domain", () => {
    const [asGroup] = principalFailures(
      { principal: "VSPHERE.LOCAL\\ops", group: true },
      { otherKind: { principal: "ops", group: false } },
    );
    expect(asGroup.reason).toMatch(
      /^group "VSPHERE.LOCAL\\\\ops" does not exist in vCenter .*; a user of that name exists: set group: false$/,
    );
    expect(principalFailures({ principal: "k8s-ccm", group: false }, {})[0].reason).toContain(
      'give the domain too, e.g. "VSPHERE.LOCAL\\\\name"',
    );
    expect(principalFailures({ principal: "k8s-ccm@nope.example", group: false }, { unknownDomain: true })).toEqual([
      {
        property: "principal",
        reason:
          'user "k8s-ccm@nope.example": vCenter has no domain "nope.example" to search; check the domain ' +
          '(e.g. "VSPHERE.LOCAL\\\\name" or "name@vsphere.local"), or add that identity source in SSO',
      },
    ]);
  });
});
