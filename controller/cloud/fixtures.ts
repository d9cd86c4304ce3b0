// Fixture builders for the cloud planners' tests: VMs, NICs, nodes, and an InventoryView over
// plain objects (a stub of our own interface; the real store is tested in controller/inventory).
import { gzipSync } from "node:zlib";
import { moKey, type MoRef } from "../../vsphere/types.js";
import type { InventoryObject, InventoryView, InventoryVm, Tag } from "../inventory/types.js";
import type { GuestNic } from "../../vsphere/types.js";
import type { NodeFacts } from "./discovery.js";

export const UUID = "422e4956-ad22-1139-6d72-59cc8f26bc90";
/** UUID with its first three groups byte-swapped, as some guests report it. */
export const UUID_SWAPPED = "56492e42-22ad-3911-6d72-59cc8f26bc90";

export const ref = (type: string, value: string): MoRef => ({ type, value });

export function nic(network: string, ips: string[], over: Partial<GuestNic> = {}): GuestNic {
  return { network, connected: true, deviceConfigId: 4000, ipAddresses: ips, ...over };
}

export function vm(over: Partial<InventoryVm> = {}): InventoryVm {
  return {
    ref: ref("VirtualMachine", "vm-1"),
    name: "node-a",
    uuid: UUID,
    vcenter: "vc1",
    datacenter: "dc1",
    powerState: "poweredOn",
    host: ref("HostSystem", "host-1"),
    resourcePool: ref("ResourcePool", "rp-1"),
    parent: ref("Folder", "folder-vms"),
    guestHostName: "node-a",
    guestId: "ubuntu64Guest",
    numCpu: 4,
    memoryMB: 8192,
    nics: [nic("VM Network", ["10.0.0.10"])],
    ...over,
  };
}

export function node(over: Partial<NodeFacts> = {}): NodeFacts {
  return { name: "node-a", systemUUID: UUID.toUpperCase(), addresses: [], ...over };
}

const obj = (type: string, value: string, name: string, parent?: MoRef, vcenter = "vc1"): InventoryObject => ({
  vcenter,
  ref: ref(type, value),
  name,
  parent,
});

/**
 * The usual tree: root folder (not in the inventory) > datacenter dc1 > host folder > cluster c1 >
 * host esx-1, with resource pool Resources under the cluster and VM folder vms under dc1's vm folder.
 */
export function standardTree(vcenter = "vc1"): InventoryObject[] {
  return [
    obj("Datacenter", "dc-1", "dc1", ref("Folder", "group-d1"), vcenter),
    obj("Folder", "folder-host", "host", ref("Datacenter", "dc-1"), vcenter),
    obj("ClusterComputeResource", "cluster-1", "c1", ref("Folder", "folder-host"), vcenter),
    obj("HostSystem", "host-1", "esx-1", ref("ClusterComputeResource", "cluster-1"), vcenter),
    obj("ResourcePool", "rp-1", "Resources", ref("ClusterComputeResource", "cluster-1"), vcenter),
    obj("Folder", "folder-vm", "vm", ref("Datacenter", "dc-1"), vcenter),
    obj("Folder", "folder-vms", "vms", ref("Folder", "folder-vm"), vcenter),
  ];
}

export interface FakeInventory {
  vms?: InventoryVm[];
  objects?: InventoryObject[];
  /** Tags by MoRef value; objects without an entry have no tags read yet. */
  tags?: Record<string, readonly Tag[]>;
  /** Give every object of `objects` an empty tag list unless `tags` names it. */
  tagsRead?: boolean;
  synced?: boolean;
  unhealthy?: { vcenter: string; reason: string }[];
  /** Why the last tag read failed, by vCenter. */
  tagErrors?: Record<string, string>;
}

export function fakeView(f: FakeInventory = {}): InventoryView {
  const vms = f.vms ?? [];
  const objects = f.objects ?? [];
  const lower = (s: string | undefined) => (s ?? "").toLowerCase();
  const known = new Set([...objects, ...vms].map((o) => `${o.vcenter}/${moKey(o.ref)}`));
  return {
    synced: f.synced ?? true,
    unhealthy: () => f.unhealthy ?? [],
    vmByUuid: (u) => vms.filter((v) => v.uuid !== undefined && lower(v.uuid) === lower(u)),
    vmsByDnsName: (n) => vms.filter((v) => v.guestHostName !== undefined && lower(v.guestHostName) === lower(n)),
    vmsByIp: (ip) => vms.filter((v) => v.nics.some((n) => n.ipAddresses.some((a) => lower(a) === lower(ip)))),
    vm: (vc, r) => vms.find((v) => v.vcenter === vc && moKey(v.ref) === moKey(r)),
    object: (vc, r) => objects.find((o) => o.vcenter === vc && moKey(o.ref) === moKey(r)),
    tagsOf: (vc, r) => {
      const tags = f.tags?.[r.value];
      if (tags) return [...tags];
      return f.tagsRead && known.has(`${vc}/${moKey(r)}`) ? [] : undefined;
    },
    tagError: (vc) => f.tagErrors?.[vc],
  };
}

export const zoneTag = (name: string): Tag => ({ category: "k8s-zone", name });
export const regionTag = (name: string): Tag => ({ category: "k8s-region", name });
export const CATEGORIES = { zoneCategory: "k8s-zone", regionCategory: "k8s-region" };

/** cloud-init metadata with a plain netplan `network` section listing `addresses` on one ethernet. */
export function metadataWithAddresses(addresses: string[]): string {
  return [
    'instance-id: "node-a"',
    'local-hostname: "node-a"',
    "network:",
    "  version: 2",
    "  ethernets:",
    "    id0:",
    `      addresses: [${addresses.join(", ")}]`,
    "      match:",
    '        macaddress: "00:50:56:00:00:01"',
    "      dhcp4: false",
  ].join("\n");
}

/** Metadata whose `network` is netplan encoded per `network.encoding` (base64 or gzip+base64). */
export function metadataWithEncodedNetwork(encoding: "base64" | "gzip+base64", addresses: string[]): string {
  const netplan = `version: 2\nethernets:\n  id0:\n    addresses: [${addresses.join(", ")}]\n`;
  const bytes = encoding === "base64" ? Buffer.from(netplan) : gzipSync(Buffer.from(netplan));
  return `instance-id: "node-a"\nnetwork.encoding: ${encoding}\nnetwork: ${bytes.toString("base64")}\n`;
}

export const b64 = (text: string): string => Buffer.from(text).toString("base64");
export const gzb64 = (text: string): string => gzipSync(Buffer.from(text)).toString("base64");
