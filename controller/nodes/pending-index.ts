// Which uninitialized Nodes a VM change can affect. A pending Node's plan depends on the VMs that
// discovery (cloud/discovery.ts) looks up for it: by its providerID's UUID, else its systemUUID,
// its name as a guest DNS name, and its IPs. So each pending Node is indexed under those lookup
// keys, and a changed VM re-queues only the Nodes under one of its keys, before or after the
// change. At 10,000 Nodes this replaces re-planning every pending Node on every VM batch.
// The keys are a superset of what discovery can match (UUIDs in both byte orders, IPs in
// canonical form), so a Node is never missed; an extra re-plan is harmless.
import type { V1Node } from "@kubernetes/client-node";
import { nodeIps, type NodeFacts } from "../cloud/discovery.js";
import { canonicalIp } from "../cloud/ip.js";
import { normalizeUuid, swapUuid, uuidFromProviderId } from "../cloud/uuid.js";
import type { InventoryVm } from "../inventory/types.js";
import { isUninitialized, nodeFacts, nodeName } from "./facts.js";

const uuidKeys = (uuid: string | undefined): string[] => (uuid ? [`uuid:${uuid}`, `uuid:${swapUuid(uuid)}`] : []);

/** The lookup keys discovery may use for a Node. */
export function nodeLookupKeys(node: NodeFacts): string[] {
  if (node.providerID) {
    // Authoritative: discovery looks up nothing else.
    const id = uuidFromProviderId(node.providerID);
    return "uuid" in id ? uuidKeys(id.uuid) : [];
  }
  return [
    ...uuidKeys(normalizeUuid(node.systemUUID)),
    `dns:${node.name.toLowerCase()}`,
    ...nodeIps(node).map((ip) => `ip:${canonicalIp(ip).toLowerCase()}`),
  ];
}

/** The keys under which a VM can be found. */
export function vmLookupKeys(vm: InventoryVm): string[] {
  const keys: string[] = [];
  const uuid = normalizeUuid(vm.uuid);
  if (uuid) keys.push(`uuid:${uuid}`);
  if (vm.guestHostName) keys.push(`dns:${vm.guestHostName.toLowerCase()}`);
  for (const nic of vm.nics) for (const ip of nic.ipAddresses) keys.push(`ip:${canonicalIp(ip).toLowerCase()}`);
  return keys;
}

export class PendingIndex {
  private readonly byKey = new Map<string, Set<string>>();
  private readonly keysOf = new Map<string, string[]>();

  /** Indexes an uninitialized Node under its keys; forgets an initialized one. */
  upsert(n: V1Node): void {
    const name = nodeName(n);
    this.forget(name);
    if (!isUninitialized(n)) return;
    const keys = [...new Set(nodeLookupKeys(nodeFacts(n)))];
    this.keysOf.set(name, keys);
    for (const k of keys) {
      const s = this.byKey.get(k);
      if (s) s.add(name);
      else this.byKey.set(k, new Set([name]));
    }
  }

  remove(n: V1Node): void {
    this.forget(nodeName(n));
  }

  private forget(name: string): void {
    for (const k of this.keysOf.get(name) ?? []) {
      const s = this.byKey.get(k);
      s?.delete(name);
      if (s?.size === 0) this.byKey.delete(k);
    }
    this.keysOf.delete(name);
  }

  /** Pending Nodes that any of the VMs (old and new versions alike) can affect. */
  affectedBy(vms: Iterable<InventoryVm>): Set<string> {
    const out = new Set<string>();
    for (const vm of vms) {
      for (const k of vmLookupKeys(vm)) for (const name of this.byKey.get(k) ?? []) out.add(name);
    }
    return out;
  }

  get size(): number {
    return this.keysOf.size;
  }
}
