// What the lifecycle controller does to one initialized Node, decided without I/O.
// Rules (k8s.io/cloud-provider's node lifecycle controller, plus upstream's safety lessons):
//   - Ready nodes are left alone, except that a leftover shutdown taint is removed.
//   - A NotReady node whose VM is powered off gets the shutdown taint; it goes when the VM is on.
//   - A NotReady node whose VM vCenter positively reports gone is deleted (unless disabled).
//   - Nothing happens while any vCenter's inventory is unsynced or unhealthy: an outage, an
//     auth failure or a partial inventory must never look like "VM gone" or "VM off".
import type { InventoryView, InventoryVm } from "../inventory/types.js";

export interface LifecycleNode {
  name: string;
  /** BIOS UUID parsed from spec.providerID (lower case), undefined when not a vSphere node. */
  providerUuid?: string;
  /** Ready condition: true, false, or undefined (Unknown / missing). */
  ready?: boolean;
  hasShutdownTaint: boolean;
}

export type LifecycleAction =
  | { action: "none"; reason: string }
  | { action: "taint-shutdown"; reason: string }
  | { action: "untaint-shutdown"; reason: string }
  | { action: "delete"; reason: string };

export interface LifecycleOptions {
  /** False with --no-node-deletion or upstream's SKIP_NODE_DELETION in the environment. */
  nodeDeletion: boolean;
}

export function planLifecycle(node: LifecycleNode, view: InventoryView, opts: LifecycleOptions): LifecycleAction {
  if (!node.providerUuid) return { action: "none", reason: "no vSphere providerID" };
  if (!view.synced) {
    const bad = view.unhealthy().map((u) => `${u.vcenter}: ${u.reason}`);
    return {
      action: "none",
      reason: `inventory not in sync${bad.length ? ` (${bad.join("; ")})` : ""}: taking no action`,
    };
  }
  const vms = view.vmByUuid(node.providerUuid);
  if (vms.length > 1) {
    return {
      action: "none",
      reason: `UUID ${node.providerUuid} matches ${vms.length} VMs (${vms.map((v) => `${v.vcenter}/${v.name}`).join(", ")})`,
    };
  }
  const vm: InventoryVm | undefined = vms[0];
  if (node.ready === true) {
    return node.hasShutdownTaint
      ? { action: "untaint-shutdown", reason: "node is Ready again" }
      : { action: "none", reason: "node is Ready" };
  }
  if (!vm) {
    return opts.nodeDeletion
      ? { action: "delete", reason: `node is NotReady and no vCenter has a VM with UUID ${node.providerUuid}` }
      : {
          action: "none",
          reason: `VM ${node.providerUuid} is gone but node deletion is disabled (--no-node-deletion or SKIP_NODE_DELETION)`,
        };
  }
  if (vm.powerState === "poweredOff") {
    return node.hasShutdownTaint
      ? { action: "none", reason: `VM ${vm.name} is powered off; shutdown taint already set` }
      : { action: "taint-shutdown", reason: `node is NotReady and VM ${vm.name} is powered off` };
  }
  if (vm.powerState === "poweredOn" && node.hasShutdownTaint) {
    return { action: "untaint-shutdown", reason: `VM ${vm.name} is powered on` };
  }
  return { action: "none", reason: `VM ${vm.name} is ${vm.powerState ?? "in an unknown power state"}` };
}
