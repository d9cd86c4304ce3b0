// VMs that left the inventory, remembered briefly with where they were (folder, resource pool).
// Why: when the CCM's account loses sight of a folder or pool (a permission removed above the
// VM), the VM leaves the change feed together with it, and SearchIndex.FindByUuid no longer finds
// it either: exactly what a destroyed VM looks like. A destroyed VM leaves alone; its folder and
// pool stay. So a VM whose folder or pool left with it is no proof of anything (see
// docs/architecture.md, the deletion rule). Not a complete defence: a NoAccess permission on the
// VM alone hides only the VM, and a restart forgets what left before it.
import { moKey, type MoRef } from "../../vsphere/types.js";
import type { InventoryVm } from "./types.js";

interface Departure {
  vcenter: string;
  name: string;
  /** Where the VM was: its folder and its resource pool. */
  ancestors: MoRef[];
  at: number;
}

/** Departures older than this are forgotten (the Node has long been decided on by then). */
const KEEP_MS = 60 * 60_000;
const MAX = 10_000;

export class DepartedVms {
  private readonly byUuid = new Map<string, Departure>();

  record(vm: InventoryVm, now = Date.now()): void {
    const ancestors = [vm.parent, vm.resourcePool].filter((r): r is MoRef => r !== undefined);
    const d: Departure = { vcenter: vm.vcenter, name: vm.name, ancestors, at: now };
    for (const u of [vm.uuid, vm.instanceUuid]) if (u) this.byUuid.set(u.toLowerCase(), d);
    if (this.byUuid.size > MAX) this.prune(now);
  }

  private prune(now: number): void {
    for (const [k, d] of this.byUuid) if (now - d.at > KEEP_MS) this.byUuid.delete(k);
    while (this.byUuid.size > MAX) this.byUuid.delete(this.byUuid.keys().next().value as string);
  }

  /**
   * Why the departure of the VM with this UUID is no proof (its folder or pool is gone from the
   * inventory too), or undefined when it left alone or was never seen leaving.
   */
  leftWithAncestors(
    uuid: string,
    isHeld: (vcenter: string, ref: MoRef) => boolean,
    now = Date.now(),
  ): string | undefined {
    const d = this.byUuid.get(uuid.toLowerCase());
    if (!d || now - d.at > KEEP_MS) return undefined;
    const gone = d.ancestors.filter((a) => !isHeld(d.vcenter, a));
    if (gone.length === 0) return undefined;
    return `VM ${d.vcenter}/${d.name} left the inventory together with ${gone.map(moKey).join(", ")}: what the account can see changed, which is no proof the VM is gone`;
  }
}
