// Upstream's RBAC for its CCM, as shipped in kubernetes/cloud-provider-vsphere's release manifest
// (releases/v1.35/vsphere-cloud-controller-manager.yaml): the ClusterRole
// `system:cloud-controller-manager` bound to ServiceAccount kube-system/cloud-controller-manager.
// Tests use it to prove this CCM is a drop-in replacement under those exact grants.
import type { PolicyRule } from "../../components/kubernetes/rbac.js";

export const UPSTREAM_CLUSTER_ROLE: PolicyRule[] = [
  { apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update"] },
  { apiGroups: [""], resources: ["nodes"], verbs: ["*"] },
  { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
  { apiGroups: [""], resources: ["services"], verbs: ["list", "patch", "update", "watch"] },
  { apiGroups: [""], resources: ["services/status"], verbs: ["patch"] },
  { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["create", "get", "list", "watch", "update"] },
  { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "update", "watch"] },
  { apiGroups: [""], resources: ["endpoints"], verbs: ["create", "get", "list", "watch", "update"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "list", "watch", "update"] },
];
