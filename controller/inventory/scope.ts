// Which datacenters the configured `datacenters` entries name. Upstream (govmomi's finder)
// accepts a datacenter's name, its inventory path ("/DC0", "/Folder/DC0", or relative to the
// root folder: "Folder/DC0") and its managed object id ("datacenter-21" or
// "Datacenter:datacenter-21"); so do we. An entry that names nothing, or a name two datacenters
// share, is a problem reported with the config key and the value: the lifecycle controller takes
// no action while any entry is unresolved, since a VM outside the scope looks exactly like a
// destroyed one.
import type { MoRef } from "../../vsphere/types.js";

export interface DatacenterInfo {
  ref: MoRef;
  name: string;
  /** Inventory path from the root folder ("/Folder/DC0"); undefined while a parent is unknown. */
  path?: string;
}

export interface ScopeProblem {
  vcenter: string;
  /** The configured value, as written. */
  value: string;
  reason: string;
}

export interface ScopeResolution {
  /** Datacenters the entries name (each once). */
  datacenters: DatacenterInfo[];
  problems: Omit<ScopeProblem, "vcenter">[];
}

function byEntry(entry: string, all: DatacenterInfo[]): DatacenterInfo[] {
  // A managed object id first, as govmomi's finder does ("Datacenter:<id>" or the bare id).
  const moid = entry.startsWith("Datacenter:") ? entry.slice("Datacenter:".length) : entry;
  const byId = all.filter((d) => d.ref.value === moid);
  if (byId.length > 0) return byId;
  if (entry.includes("/")) {
    const path = `/${entry.replace(/^\/+/, "").replace(/\/+$/, "")}`;
    return all.filter((d) => d.path === path);
  }
  return all.filter((d) => d.name === entry);
}

const describe = (d: DatacenterInfo) => `${d.path ?? d.name} (${d.ref.value})`;

/** Resolves each entry against the datacenters a vCenter holds. */
export function resolveDatacenters(entries: readonly string[], all: DatacenterInfo[]): ScopeResolution {
  const datacenters = new Map<string, DatacenterInfo>();
  const problems: ScopeResolution["problems"] = [];
  const known = all.length > 0 ? all.map(describe).join(", ") : "none";
  for (const raw of entries) {
    const entry = raw.trim();
    const hit = entry ? byEntry(entry, all) : [];
    if (hit.length === 1) datacenters.set(hit[0].ref.value, hit[0]);
    else if (hit.length === 0) {
      problems.push({
        value: raw,
        reason: `no datacenter named ${JSON.stringify(raw)} (by name, inventory path or managed object id); this vCenter has: ${known}`,
      });
    } else {
      problems.push({
        value: raw,
        reason: `${hit.length} datacenters are named ${JSON.stringify(raw)} (${hit.map(describe).join(", ")}): give its inventory path or managed object id`,
      });
    }
  }
  return { datacenters: [...datacenters.values()], problems };
}
