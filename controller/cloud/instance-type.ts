// The instance type label value, formatted as upstream does (nodemanager.go DiscoverNode):
// `vsphere-vm.cpu-<numCPU>.mem-<memoryMB / 1024, rounded down>gb.os-<short guest OS name>`,
// e.g. 2 vCPUs, 4095 MB, ubuntu64Guest -> vsphere-vm.cpu-2.mem-3gb.os-ubuntu.
import type { VmSummary } from "../../vsphere/types.js";
import { GUEST_OS_NAMES } from "./guest-os.js";

/** Upstream's short name for a guestId, "unknown" when it has none. */
export function guestOsName(guestId: string | undefined): string {
  return guestId !== undefined && Object.hasOwn(GUEST_OS_NAMES, guestId) ? GUEST_OS_NAMES[guestId] : "unknown";
}

/** The instance type of a VM, or why it cannot be told yet (hardware not read). */
export function instanceType(
  vm: Pick<VmSummary, "name" | "numCpu" | "memoryMB" | "guestId">,
): { instanceType: string } | { reason: string } {
  if (vm.numCpu === undefined || vm.memoryMB === undefined) {
    return { reason: `VM ${vm.name}: CPU and memory not known yet (config.hardware not read)` };
  }
  // Go's integer division: whole GiB, rounded down (1536 MB is 1gb, 1023 MB is 0gb).
  const gb = Math.floor(vm.memoryMB / 1024);
  return { instanceType: `vsphere-vm.cpu-${vm.numCpu}.mem-${gb}gb.os-${guestOsName(vm.guestId)}` };
}
