// Zone and region of a VM from vSphere tags. The rule follows the vSphere CSI driver, which reads
// the same tags for volume topology (pkg/common/cns-lib/vsphere/virtualmachine.go
// GetTopologyLabels, used by its CSINodeTopology controller): the two must agree, or volumes are
// placed in a zone the Node is not labelled with.
//   - only when both the region and the zone tag category are configured (as upstream's CCM);
//   - walk 1: the VM's host and its ancestors (cluster, folders, datacenter), as the CSI driver;
//     then, as upstream's CCM (zones.go GetZoneByProviderID), walk 2: its resource pool and
//     ancestors; walk 3: the VM itself and its folders. The first walk that finds both a zone and
//     a region tag gives the answer; a walk that finds only one is discarded;
//   - within a walk, objects are read from the nearest up, and a category's value is overwritten
//     by each object carrying it until both categories are known: the HIGHEST object with a zone
//     tag, at or below the object where the region is found, gives the zone ("prefer cluster over
//     host" in the CSI driver's words; upstream's LookupZoneByMoref does the same). With zone-b on
//     a cluster and zone-c on one of its hosts and the region on the datacenter, the host's Nodes
//     are in zone-b. Within one object, both its tags count before the walk stops (the CSI driver
//     decides that case by the order vCenter lists the tags in).
// "Not yet" answers: tags of an object on the way not read yet (`notRead`: the controller's own
// cache is incomplete, which says nothing about the Node), or not readable (the last tag read
// failed: said with its error). Errors: two tags of one category on one object (the CSI driver and
// upstream would each keep whichever vCenter lists last), or no walk finds both.
import type { MoRef } from "../../vsphere/types.js";
import type { InventoryView, InventoryVm, Tag } from "../inventory/types.js";

export interface ZoneCategories {
  /** Tag category whose tag names are regions (upstream `labels.region` / `[Labels] region`). */
  regionCategory?: string;
  /** Tag category whose tag names are zones (upstream `labels.zone` / `[Labels] zone`). */
  zoneCategory?: string;
}

export type ZoneAnswer =
  | { zone?: string; region?: string; foundOn: { zone?: string; region?: string }; explanation: string[] }
  | { reason: string; explanation: string[]; notRead?: true };

interface WalkObject {
  ref: MoRef;
  label: string;
}

type Found = { tag: string; on: string };
type WalkResult =
  | { zone: Found; region: Found }
  | { stop: string; notRead?: true }
  | { partial: { zone?: Found; region?: Found }; path: string };

const KINDS: Record<string, string> = {
  HostSystem: "host",
  ClusterComputeResource: "cluster",
  ComputeResource: "compute resource",
  Datacenter: "datacenter",
  ResourcePool: "resource pool",
  Folder: "folder",
  VirtualMachine: "VM",
};
const label = (ref: MoRef, name: string) => `${KINDS[ref.type] ?? ref.type} ${name}`;

/** `start` and its parents as far as the inventory knows them (the root folder is not in it). */
function ancestry(view: InventoryView, vcenter: string, start: MoRef | undefined): WalkObject[] {
  const out: WalkObject[] = [];
  let cur = start;
  for (let i = 0; cur && i < 64; i++) {
    const o = view.object(vcenter, cur);
    if (!o) break;
    out.push({ ref: o.ref, label: label(o.ref, o.name) });
    cur = o.parent;
  }
  return out;
}

function pick(tags: Tag[], category: string, on: string): Found | { stop: string } | undefined {
  const hits = tags.filter((t) => t.category === category);
  if (hits.length > 1) {
    return { stop: `${on} has ${hits.length} tags of category "${category}" (${hits.map((t) => t.name).join(", ")})` };
  }
  return hits[0] && { tag: hits[0].name, on };
}

function walk(
  view: InventoryView,
  vm: InventoryVm,
  chain: WalkObject[],
  cats: Required<ZoneCategories>,
  why: string[],
): WalkResult {
  let zone: Found | undefined;
  let region: Found | undefined;
  for (const obj of chain) {
    const tags = view.tagsOf(vm.vcenter, obj.ref);
    if (!tags) {
      const failed = view.tagError?.(vm.vcenter);
      return failed
        ? { stop: `tags of ${obj.label} could not be read (${failed})` }
        : { stop: `tags of ${obj.label} not read yet`, notRead: true };
    }
    // A higher object's tag replaces a lower one's until both categories are known (see above).
    const z = pick(tags, cats.zoneCategory, obj.label);
    if (z && "stop" in z) return z;
    const r = pick(tags, cats.regionCategory, obj.label);
    if (r && "stop" in r) return r;
    if (z && zone)
      why.push(`${obj.label}: zone ${z.tag} replaces ${zone.tag} from ${zone.on} (the higher object wins)`);
    zone = z ?? zone;
    region = r ?? region;
    if (zone && region) return { zone, region };
  }
  return { partial: { zone, region }, path: chain.map((o) => o.label).join(" > ") || "nothing in the inventory" };
}

/** Zone and region labels for a VM, or why they cannot be given (yet). */
export function zoneAndRegion(vm: InventoryVm, view: InventoryView, cats: ZoneCategories): ZoneAnswer {
  const why: string[] = [];
  const { regionCategory, zoneCategory } = cats;
  if (!regionCategory || !zoneCategory) {
    why.push(
      regionCategory || zoneCategory
        ? "zone labels need both a region and a zone tag category (as upstream); only one is configured: none set"
        : "no region/zone tag categories configured: no zone labels",
    );
    return { foundOn: {}, explanation: why };
  }
  const walks: [string, WalkObject[]][] = [
    ["host", ancestry(view, vm.vcenter, vm.host)],
    ["resource pool", ancestry(view, vm.vcenter, vm.resourcePool)],
    ["VM folder", [{ ref: vm.ref, label: label(vm.ref, vm.name) }, ...ancestry(view, vm.vcenter, vm.parent)]],
  ];
  const misses: string[] = [];
  for (const [name, chain] of walks) {
    const r = walk(view, vm, chain, { regionCategory, zoneCategory }, why);
    if ("stop" in r) {
      return { reason: `VM ${vm.name}: ${r.stop}`, explanation: why, ...(r.notRead ? { notRead: true } : {}) };
    }
    if ("partial" in r) {
      const missing = [
        !r.partial.zone && `zone ("${zoneCategory}")`,
        !r.partial.region && `region ("${regionCategory}")`,
      ];
      const miss = missing.filter(Boolean).join(" or ");
      misses.push(`${name} path ${r.path} has no ${miss} tag`);
      why.push(
        `${name} path ${r.path}: no ${miss} tag${r.partial.zone || r.partial.region ? ", partial result discarded" : ""}`,
      );
      continue;
    }
    why.push(`${name} path: zone ${r.zone.tag} on ${r.zone.on}, region ${r.region.tag} on ${r.region.on}`);
    return {
      zone: r.zone.tag,
      region: r.region.tag,
      foundOn: { zone: r.zone.on, region: r.region.on },
      explanation: why,
    };
  }
  return {
    reason: `VM ${vm.name}: zone/region tags not found: ${misses.join("; ")}`,
    explanation: why,
  };
}
