// The controller's view of vCenter inventory: what the planners read. Filled by the
// property-collector change feeds (one per vCenter); planners never call vCenter.
import type { MoRef, VmSummary } from "../../vsphere/types.js";
import type { ScopeProblem } from "./scope.js";

/** A VM as held by the inventory: its summary plus where it lives. */
export interface InventoryVm extends VmSummary {
  /** Name of the vCenter (config key) the VM was read from. */
  vcenter: string;
  /** Name of its datacenter. */
  datacenter?: string;
  /** Managed object id of its datacenter ("datacenter-21"). */
  datacenterId?: string;
}

/** Any other inventory object the planners walk: hosts, clusters, datacenters, pools, folders. */
export interface InventoryObject {
  vcenter: string;
  ref: MoRef;
  name: string;
  parent?: MoRef;
}

export interface Tag {
  /** Tag category name, e.g. "k8s-zone". */
  category: string;
  name: string;
}

/** Read-only queries the planners use. Lookups are case-insensitive where vSphere's are. */
export interface InventoryView {
  /** True once every configured vCenter delivered its full initial state and is connected. */
  readonly synced: boolean;
  /** vCenters whose feed is currently failing (unreachable, auth error...), with the reason. */
  unhealthy(): { vcenter: string; reason: string }[];
  vmByUuid(uuid: string): InventoryVm[];
  vmsByDnsName(name: string): InventoryVm[];
  vmsByIp(ip: string): InventoryVm[];
  vm(vcenter: string, ref: MoRef): InventoryVm | undefined;
  object(vcenter: string, ref: MoRef): InventoryObject | undefined;
  /** Tags attached to an object, or undefined when tags for it have not been read yet. */
  tagsOf(vcenter: string, ref: MoRef): Tag[] | undefined;
  /** Why the last read of a vCenter's tags failed; undefined when it succeeded or none was tried. */
  tagError?(vcenter: string): string | undefined;
}

/** What the lifecycle planner needs besides the lookups: whether absence can mean anything. */
export interface LifecycleView extends InventoryView {
  /** Configured datacenters that do not resolve, per vCenter (key `datacenters`). */
  scopeProblems(): ScopeProblem[];
  /** VMs with this BIOS or instance UUID anywhere in the inventory, configured datacenters or not. */
  vmsAnywhere(uuid: string): InventoryVm[];
  /** Why the VM's departure is no proof (its folder or pool left with it), or undefined. */
  leftWithAncestors(uuid: string): string | undefined;
}
