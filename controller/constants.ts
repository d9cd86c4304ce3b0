// Names the cluster sees: label and taint keys, Event reasons, metric names. One place, so the
// controllers, docs and tests agree.

export const TAINT_UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized";
export const TAINT_SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown";

export const LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type";
export const LABEL_INSTANCE_TYPE_LEGACY = "beta.kubernetes.io/instance-type";
export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const LABEL_REGION = "topology.kubernetes.io/region";
export const LABEL_ZONE_LEGACY = "failure-domain.beta.kubernetes.io/zone";
export const LABEL_REGION_LEGACY = "failure-domain.beta.kubernetes.io/region";

export const PROVIDER_ID_PREFIX = "vsphere://";

/** The component name on Events and in the field manager of patches. */
export const COMPONENT = "vsphere-cloud-controller-manager";

export const EventReason = {
  /** The node was initialized (providerID, addresses, labels set; taint removed). */
  Initialized: "Initialized",
  /** The node cannot be initialized yet; the message says why. */
  InitializationPending: "InitializationPending",
  AddressesUpdated: "AddressesUpdated",
  ShutdownTaintAdded: "ShutdownTaintAdded",
  ShutdownTaintRemoved: "ShutdownTaintRemoved",
  DeletingNode: "DeletingNode",
  /**
   * The lifecycle controller may not act on the node (a configured datacenter does not resolve,
   * a vCenter could not prove the VM's absence); the message says what to fix.
   */
  LifecycleBlocked: "LifecycleBlocked",
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

export const Metric = {
  reconciles: "vsphere_ccm_reconciles_total",
  reconcileErrors: "vsphere_ccm_reconcile_errors_total",
  vcenterCalls: "vsphere_ccm_vcenter_calls_total",
  vcenterCallSeconds: "vsphere_ccm_vcenter_call_duration_seconds",
  inventoryVms: "vsphere_ccm_inventory_vms",
  inventorySynced: "vsphere_ccm_inventory_synced",
  queueDepth: "vsphere_ccm_workqueue_depth",
  leader: "vsphere_ccm_leader",
} as const;
