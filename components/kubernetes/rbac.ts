// What the CCM may do in Kubernetes: upstream's `system:cloud-controller-manager` ClusterRole
// (manifests/controller-manager/cloud-controller-manager-roles.yaml) cut down to the calls this
// controller makes (controller/kube/*, controller/http/auth.ts, controller/app.ts). Upstream
// grants `nodes: *`, services, serviceaccounts, persistentvolumes, endpoints, and secrets and
// leases cluster-wide; this controller has no service, route or volume controllers, reads one
// Secret by name and holds one Lease, so those become namespaced Roles limited to their names.

/** A plain RBAC rule (the shape of rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The ClusterRole's rules: cluster-scoped objects and reviews. */
export function clusterRules(): PolicyRule[] {
  return [
    // The Node informer lists and watches every Node (controller/kube/informer.ts); NodeWriter
    // writes providerID, labels and taints with a JSON merge patch guarded by the resourceVersion
    // and re-reads (get) the Node after a 409; the lifecycle controller deletes a Node whose VM
    // vCenter says is gone. No update: nothing is written with a PUT.
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "patch", "delete"] },
    // Addresses are status: NodeWriter patches nodes/status (upstream's grant exactly).
    { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
    // Node Events (controller/kube/events.ts): created in "default" like the kubelet's, repeats
    // folded into one Event by a JSON patch of count/lastTimestamp. Nodes are cluster-scoped,
    // so Events about them are not tied to the CCM's namespace.
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
    // /metrics is served behind delegated authentication and authorization
    // (controller/http/auth.ts): a TokenReview of the caller's bearer token, then a
    // SubjectAccessReview of its right to GET the path. The same two verbs as system:auth-delegator.
    { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
  ];
}

/**
 * The credentials Role, in the Secret's namespace: `get` of that one Secret, read at every
 * vCenter login (controller/vcenter/credentials.ts), so a rotated password needs no restart.
 * No list or watch: upstream's cluster-wide `secrets: get/list/watch` would expose every Secret.
 */
export function credentialsRules(secretName: string): PolicyRule[] {
  return [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [secretName] }];
}

/**
 * The leader-election Role, in the Lease's namespace (controller/kube/leader.ts): the Lease is
 * read, created when absent, and renewed or taken over by a PUT (update) guarded by its
 * resourceVersion. Create cannot be limited by name (the name is in the body, not the URL), so
 * it is a rule of its own; get and update are limited to the one Lease.
 */
export function leaderElectionRules(leaseName: string): PolicyRule[] {
  return [
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update"], resourceNames: [leaseName] },
  ];
}

/**
 * The built-in Role the CCM is bound to in kube-system, as upstream's chart does: it reads the
 * `extension-apiserver-authentication` ConfigMap (the client CA of delegated authentication).
 * Kept for parity with Kubernetes components; this controller authenticates /metrics callers
 * by bearer token only, so the ConfigMap is not read today.
 */
export const AUTHENTICATION_READER_ROLE = "extension-apiserver-authentication-reader";
