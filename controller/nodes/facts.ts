// Plain facts about a Node, read from the Kubernetes object once, for the pure planners.
import type { V1Node } from "@kubernetes/client-node";
import type { NodeFacts } from "../cloud/discovery.js";
import { uuidFromProviderId } from "../cloud/uuid.js";
import { TAINT_SHUTDOWN, TAINT_UNINITIALIZED } from "../constants.js";
import type { LifecycleNode } from "../lifecycle/plan.js";

export const nodeName = (n: V1Node): string => n.metadata?.name ?? "";

export const hasTaint = (n: V1Node, key: string): boolean => (n.spec?.taints ?? []).some((t) => t.key === key);

export const isUninitialized = (n: V1Node): boolean => hasTaint(n, TAINT_UNINITIALIZED);

export function nodeFacts(n: V1Node): NodeFacts {
  return {
    name: nodeName(n),
    providerID: n.spec?.providerID || undefined,
    systemUUID: n.status?.nodeInfo?.systemUUID || undefined,
    addresses: (n.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
    providedNodeIp: n.metadata?.annotations?.["alpha.kubernetes.io/provided-node-ip"],
    labels: n.metadata?.labels,
  };
}

/** Ready condition: true, false, or undefined when Unknown or missing. */
export function readiness(n: V1Node): boolean | undefined {
  const c = (n.status?.conditions ?? []).find((x) => x.type === "Ready");
  return c?.status === "True" ? true : c?.status === "False" ? false : undefined;
}

export function lifecycleNode(n: V1Node): LifecycleNode {
  const id = n.spec?.providerID ? uuidFromProviderId(n.spec.providerID) : undefined;
  return {
    name: nodeName(n),
    providerUuid: id && "uuid" in id ? id.uuid : undefined,
    ready: readiness(n),
    hasShutdownTaint: hasTaint(n, TAINT_SHUTDOWN),
  };
}
