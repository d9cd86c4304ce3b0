import { describe, expect, it } from "vitest";
import { clusterRules, credentialsRules, leaderElectionRules, type PolicyRule } from "./rbac.js";
import { UPSTREAM_CLUSTER_ROLE } from "../../test/env/upstream-rbac.js";

/** Upstream's system:cloud-controller-manager, as resource -> verbs. */
const UPSTREAM: Record<string, string[]> = Object.fromEntries(
  UPSTREAM_CLUSTER_ROLE.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => [`${g}/${res}`, r.verbs]))),
);

/**
 * Grants upstream's role lacks, each needed by a call this CCM makes: /metrics delegates
 * authn/authz (system:auth-delegator's verbs).
 */
const BEYOND_UPSTREAM = new Set([
  "authentication.k8s.io/tokenreviews:create",
  "authorization.k8s.io/subjectaccessreviews:create",
]);

const grants = (rules: PolicyRule[]) =>
  rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
  );

describe("clusterRules", () => {
  it("grants exactly the calls the controller makes on cluster-scoped objects", () => {
    expect(grants(clusterRules()).sort()).toEqual(
      [
        "/nodes:get",
        "/nodes:list",
        "/nodes:watch",
        "/nodes:patch",
        "/nodes:delete",
        "/nodes/status:patch",
        "/events:create",
        "/events:patch",
        "authentication.k8s.io/tokenreviews:create",
        "authorization.k8s.io/subjectaccessreviews:create",
      ].sort(),
    );
  });

  it("is no broader than upstream's role, apart from the documented additions", () => {
    const all = [...clusterRules(), ...credentialsRules("s"), ...leaderElectionRules("l")];
    for (const g of grants(all)) {
      if (BEYOND_UPSTREAM.has(g)) continue;
      const [resource, verb] = g.split(":");
      const allowed = UPSTREAM[resource] ?? [];
      expect(allowed.includes(verb) || allowed.includes("*"), g).toBe(true);
    }
  });

  it("has no wildcards and nothing for secrets or leases cluster-wide", () => {
    const g = grants(clusterRules());
    expect(g.some((x) => x.includes("*"))).toBe(false);
    expect(g.some((x) => /secrets|leases/.test(x))).toBe(false);
  });
});

describe("credentialsRules", () => {
  it("allows get of the one Secret, no list or watch", () => {
    expect(credentialsRules("vsphere-cloud-secret")).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["vsphere-cloud-secret"] },
    ]);
  });
});

describe("leaderElectionRules", () => {
  it("allows creating a Lease, and get/update only of the named one", () => {
    const rules = leaderElectionRules("cloud-controller-manager");
    expect(rules.find((r) => r.verbs.includes("create"))?.resourceNames).toBeUndefined();
    expect(rules.find((r) => r.verbs.includes("update"))).toEqual({
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      verbs: ["get", "update"],
      resourceNames: ["cloud-controller-manager"],
    });
    expect(grants(rules).some((g) => /:(list|watch|delete)$/.test(g))).toBe(false);
  });
});
