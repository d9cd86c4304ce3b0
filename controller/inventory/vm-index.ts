// Lookups of held VMs by BIOS UUID, guest DNS name and guest IP, maintained one VM at a time as
// the change feed delivers them (no rebuild per batch: at 20,000 VMs a rebuild would cost more
// than the change it follows). Keys are lower-cased, as vSphere's own searches are
// case-insensitive; values are the store's ids of the VMs.
import type { InventoryVm } from "./types.js";

type Index = Map<string, Set<string>>;

const lower = (s: string) => s.toLowerCase();

function add(index: Index, key: string | undefined, id: string): void {
  if (!key) return;
  const s = index.get(key);
  if (s) s.add(id);
  else index.set(key, new Set([id]));
}

function drop(index: Index, key: string | undefined, id: string): void {
  if (!key) return;
  const s = index.get(key);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) index.delete(key);
}

/** The index keys of a VM, per lookup. */
function keysOf(vm: InventoryVm): { uuid?: string; dns?: string; ips: string[] } {
  const ips: string[] = [];
  for (const nic of vm.nics) for (const ip of nic.ipAddresses) ips.push(lower(ip));
  return { uuid: vm.uuid && lower(vm.uuid), dns: vm.guestHostName && lower(vm.guestHostName), ips };
}

export class VmIndex {
  private readonly byUuid: Index = new Map();
  private readonly byDns: Index = new Map();
  private readonly byIp: Index = new Map();

  add(id: string, vm: InventoryVm): void {
    const k = keysOf(vm);
    add(this.byUuid, k.uuid, id);
    add(this.byDns, k.dns, id);
    for (const ip of k.ips) add(this.byIp, ip, id);
  }

  remove(id: string, vm: InventoryVm): void {
    const k = keysOf(vm);
    drop(this.byUuid, k.uuid, id);
    drop(this.byDns, k.dns, id);
    for (const ip of k.ips) drop(this.byIp, ip, id);
  }

  uuid(uuid: string): ReadonlySet<string> | undefined {
    return this.byUuid.get(lower(uuid));
  }

  dns(name: string): ReadonlySet<string> | undefined {
    return this.byDns.get(lower(name));
  }

  ip(ip: string): ReadonlySet<string> | undefined {
    return this.byIp.get(lower(ip));
  }

  /** Number of distinct keys per lookup (for tests and memory accounting). */
  sizes(): { uuid: number; dns: number; ip: number } {
    return { uuid: this.byUuid.size, dns: this.byDns.size, ip: this.byIp.size };
  }
}
