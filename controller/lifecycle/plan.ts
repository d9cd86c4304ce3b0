// What the lifecycle controller does to one initialized Node, decided without I/O.
// Rules (k8s.io/cloud-provider's node lifecycle controller, plus upstream's safety lessons):
//   - Ready nodes are left alone, except that a leftover shutdown taint is removed.
//   - A NotReady node whose VM is in any power state but poweredOn (off, suspended) gets the
//     shutdown taint, as upstream; it goes when the VM is on again.
//   - A NotReady node whose VM no inventory holds anywhere (any datacenter, either UUID, either
//     byte order) is a deletion *candidate*: the controller deletes it only after a direct lookup
//     on every vCenter confirms the absence (nodes/lifecycle-controller.ts).
//   - Nothing happens while any vCenter's inventory is unsynced or unhealthy, or while a
//     configured datacenter does not resolve: an outage, an auth failure, a partial inventory or a
//     mistyped scope must never look like "VM gone" or "VM off".
import { swapUuid } from "../cloud/uuid.js";
import type { InventoryVm, LifecycleView } from "../inventory/types.js";

export interface LifecycleNode {
  name: string;
  /** BIOS UUID parsed from spec.providerID (lower case), undefined when not a vSphere node. */
  providerUuid?: string;
  /** Ready condition: true, false, or undefined (Unknown / missing). */
  ready?: boolean;
  hasShutdownTaint: boolean;
}

export type LifecycleAction =
  /** `blocked`: an operator must fix something (the reason says what); the node gets a Warning Event. */
  | { action: "none"; reason: string; blocked?: boolean }
  | { action: "taint-shutdown"; reason: string }
  | { action: "untaint-shutdown"; reason: string }
  /** A candidate only: applied after a direct lookup confirms the VM is gone. */
  | { action: "delete"; reason: string; uuid: string };

export interface LifecycleOptions {
  /** False with --no-node-deletion or upstream's SKIP_NODE_DELETION in the environment. */
  nodeDeletion: boolean;
}

const where = (v: InventoryVm) => `${v.vcenter}/${v.datacenter ?? "?"}/${v.name}`;

/** Why nothing at all may be concluded from the inventory now, or undefined. */
function cannotJudge(view: LifecycleView): { reason: string; blocked?: boolean } | undefined {
  if (!view.synced) {
    const bad = view.unhealthy().map((u) => `${u.vcenter}: ${u.reason}`);
    return { reason: `inventory not in sync${bad.length ? ` (${bad.join("; ")})` : ""}: taking no action` };
  }
  const scope = view.scopeProblems();
  if (scope.length > 0) {
    const list = scope.map((p) => `vCenter ${p.vcenter} datacenters ${JSON.stringify(p.value)}: ${p.reason}`);
    return { reason: `configured datacenters do not resolve (${list.join("; ")}): taking no action`, blocked: true };
  }
  return undefined;
}

export function planLifecycle(node: LifecycleNode, view: LifecycleView, opts: LifecycleOptions): LifecycleAction {
  const uuid = node.providerUuid;
  if (!uuid) return { action: "none", reason: "no vSphere providerID" };
  const stop = cannotJudge(view);
  if (stop) return { action: "none", ...stop };
  const vms = view.vmByUuid(uuid);
  if (vms.length > 1) {
    return { action: "none", reason: `UUID ${uuid} matches ${vms.length} VMs (${vms.map(where).join(", ")})` };
  }
  const vm: InventoryVm | undefined = vms[0];
  if (node.ready === true) {
    return node.hasShutdownTaint
      ? { action: "untaint-shutdown", reason: "node is Ready again" }
      : { action: "none", reason: "node is Ready" };
  }
  if (!vm) return planAbsent(uuid, view, opts);
  if (vm.powerState === "poweredOn") {
    return node.hasShutdownTaint
      ? { action: "untaint-shutdown", reason: `VM ${vm.name} is powered on` }
      : { action: "none", reason: `VM ${vm.name} is powered on` };
  }
  if (vm.powerState === undefined) return { action: "none", reason: `VM ${vm.name} is in an unknown power state` };
  return node.hasShutdownTaint
    ? { action: "none", reason: `VM ${vm.name} is ${vm.powerState}; shutdown taint already set` }
    : { action: "taint-shutdown", reason: `node is NotReady and VM ${vm.name} is ${vm.powerState}` };
}

/** A NotReady node whose VM the configured datacenters do not hold. */
function planAbsent(uuid: string, view: LifecycleView, opts: LifecycleOptions): LifecycleAction {
  const elsewhere = [...view.vmsAnywhere(uuid), ...view.vmsAnywhere(swapUuid(uuid))];
  if (elsewhere.length > 0) {
    return {
      action: "none",
      reason: `VM ${uuid} is outside the configured datacenters (${elsewhere.map(where).join(", ")}): not deleting`,
    };
  }
  const hidden = view.leftWithAncestors(uuid) ?? view.leftWithAncestors(swapUuid(uuid));
  if (hidden) return { action: "none", reason: `${hidden}: not deleting`, blocked: true };
  if (!opts.nodeDeletion) {
    return {
      action: "none",
      reason: `VM ${uuid} is gone but node deletion is disabled (--no-node-deletion or SKIP_NODE_DELETION)`,
    };
  }
  return {
    action: "delete",
    uuid,
    reason: `node is NotReady and no vCenter inventory holds a VM with UUID ${uuid}`,
  };
}
