// The in-memory inventory: one owner (the feed of each vCenter writes through applyBatch), one
// update path, read by the planners through InventoryView. Holds VMs with indexes by BIOS UUID,
// guest DNS name and IP, and the parent objects (hosts, clusters, datacenters, pools, folders).
import { decodeVmSummary } from "../../vsphere/inventory.js";
import type { UpdateBatch } from "../../vsphere/property.js";
import { asMoRef, asString, type Decoded } from "../../vsphere/soap/codec.js";
import { moKey, type MoRef } from "../../vsphere/types.js";
import { DepartedVms } from "./departed.js";
import { resolveDatacenters, type DatacenterInfo, type ScopeProblem, type ScopeResolution } from "./scope.js";
import type { InventoryObject, InventoryView, InventoryVm, Tag } from "./types.js";

interface VcenterState {
  synced: boolean;
  unhealthy?: string;
  /** Raw property values per object key ("VirtualMachine:vm-42"). */
  props: Map<string, { ref: MoRef; values: Record<string, Decoded> }>;
  vms: Map<string, InventoryVm>;
  objects: Map<string, InventoryObject>;
  tags: Map<string, Tag[]>;
  /** Why the last tag read failed; cleared by the next successful one. */
  tagError?: string;
  /** The configured datacenters resolved against this inventory (at each complete batch). */
  scope?: ScopeResolution;
}

const lower = (s: string) => s.toLowerCase();

/** Same tags in any order (`held` undefined: never read). */
function sameTags(held: Tag[] | undefined, next: Tag[]): boolean {
  if (!held || held.length !== next.length) return false;
  const key = (t: Tag) => `${t.category}\u0000${t.name}`;
  const have = new Set(held.map(key));
  return next.every((t) => have.has(key(t)));
}

function addTo(index: Map<string, Set<string>>, key: string | undefined, id: string): void {
  if (!key) return;
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(id);
}

export class InventoryStore implements InventoryView {
  private readonly vcenters = new Map<string, VcenterState>();
  private byUuid = new Map<string, Set<string>>();
  private byDns = new Map<string, Set<string>>();
  private byIp = new Map<string, Set<string>>();
  private indexDirty = true;
  private readonly departed = new DepartedVms();
  /** Called after each applied batch with the VMs whose summary changed (for event-driven updates). */
  onVmChange: (vms: InventoryVm[], removed: InventoryVm[]) => void = () => {};
  /** Called when a vCenter's inventory becomes complete (first sync, and again after each reconnect). */
  onSynced: (vcenter: string) => void = () => {};
  /** Called when the datacenters a vCenter's config names stop or start resolving (problems: now). */
  onScopeChange: (vcenter: string, problems: ScopeProblem[]) => void = () => {};

  /**
   * @param scope datacenters to consider per vCenter (config `datacenters`: names, inventory
   *   paths or managed object ids, see scope.ts); a vCenter without an entry, or with an empty
   *   list, is considered whole. VMs elsewhere are held but not found by the scoped lookups, as
   *   upstream searches only the configured datacenters; vmsAnywhere still finds them.
   */
  constructor(
    readonly vcenterNames: string[],
    private readonly scope: Record<string, string[]> = {},
  ) {
    for (const n of vcenterNames) this.vcenters.set(n, this.fresh());
  }

  private fresh(): VcenterState {
    return { synced: false, props: new Map(), vms: new Map(), objects: new Map(), tags: new Map() };
  }

  private state(vcenter: string): VcenterState {
    const s = this.vcenters.get(vcenter);
    if (!s) throw new Error(`inventory: unknown vCenter ${vcenter}`);
    return s;
  }

  get synced(): boolean {
    return [...this.vcenters.values()].every((s) => s.synced && !s.unhealthy);
  }

  isSynced(vcenter: string): boolean {
    const s = this.state(vcenter);
    return s.synced && !s.unhealthy;
  }

  unhealthy(): { vcenter: string; reason: string }[] {
    return [...this.vcenters]
      .filter(([, s]) => s.unhealthy)
      .map(([vcenter, s]) => ({ vcenter, reason: s.unhealthy as string }));
  }

  markUnhealthy(vcenter: string, reason: string): void {
    this.state(vcenter).unhealthy = reason;
  }

  markHealthy(vcenter: string): void {
    this.state(vcenter).unhealthy = undefined;
  }

  /** Applies one change-feed batch; an initial batch replaces the vCenter's state. */
  applyBatch(vcenter: string, batch: UpdateBatch): void {
    let s = this.state(vcenter);
    if (batch.initial) {
      const unhealthy = s.unhealthy;
      const { tags, tagError } = s;
      s = this.fresh();
      s.unhealthy = unhealthy;
      // Tags are refreshed on their own cadence.
      s.tags = tags;
      s.tagError = tagError;
      this.vcenters.set(vcenter, s);
    }
    const touched = new Set<string>();
    const removed: InventoryVm[] = [];
    // Datacenters and folders decide what the configured datacenters resolve to.
    let structural = batch.initial;
    for (const u of batch.updates) {
      const key = moKey(u.obj);
      if (u.obj.type === "Datacenter" || u.obj.type === "Folder") structural = true;
      if (u.kind === "leave") {
        s.props.delete(key);
        s.objects.delete(key);
        const vm = s.vms.get(key);
        if (vm) removed.push(vm);
        s.vms.delete(key);
        continue;
      }
      let entry = s.props.get(key);
      if (!entry) s.props.set(key, (entry = { ref: u.obj, values: {} }));
      for (const c of u.changes) {
        if (c.op === "remove" || c.op === "indirectRemove") delete entry.values[c.path];
        else entry.values[c.path] = c.value;
      }
      touched.add(key);
    }
    const changed: InventoryVm[] = [];
    // Objects first, so VMs resolve their datacenter through fresh parents.
    for (const key of touched) {
      const e = s.props.get(key);
      if (!e || e.ref.type === "VirtualMachine") continue;
      s.objects.set(key, {
        vcenter,
        ref: e.ref,
        name: asString(e.values.name) ?? "",
        parent: asMoRef(e.values.parent) ?? asMoRef(e.values.owner),
      });
    }
    for (const key of touched) {
      const e = s.props.get(key);
      if (!e || e.ref.type !== "VirtualMachine") continue;
      const dc = this.datacenterOf(s, asMoRef(e.values.parent));
      const vm: InventoryVm = {
        ...decodeVmSummary(e.ref, e.values),
        vcenter,
        datacenter: dc?.name,
        datacenterId: dc?.ref.value,
      };
      s.vms.set(key, vm);
      changed.push(vm);
    }
    // A truncated load may deliver VMs before their folders: resolve what is still unknown once
    // the state is complete.
    if (!batch.truncated) {
      for (const [key, vm] of s.vms) {
        if (vm.datacenter !== undefined) continue;
        const dc = this.datacenterOf(s, vm.parent);
        if (dc === undefined) continue;
        const fixed = { ...vm, datacenter: dc.name, datacenterId: dc.ref.value };
        s.vms.set(key, fixed);
        if (!touched.has(key)) changed.push(fixed);
      }
    }
    // After the whole batch: a VM's folder leaving in the same batch must be seen as gone.
    for (const vm of removed) this.departed.record(vm);
    const becameSynced = !batch.truncated && !s.synced;
    if (!batch.truncated) s.synced = true;
    const scopeChanged = !batch.truncated && (structural || becameSynced || !s.scope) && this.resolveScope(vcenter, s);
    this.indexDirty = true;
    if (changed.length > 0 || removed.length > 0) this.onVmChange(changed, removed);
    if (becameSynced) this.onSynced(vcenter);
    if (scopeChanged)
      this.onScopeChange(
        vcenter,
        this.scopeProblems().filter((p) => p.vcenter === vcenter),
      );
  }

  /** Resolves the configured datacenters against the complete state; true when the outcome changed. */
  private resolveScope(vcenter: string, s: VcenterState): boolean {
    const entries = this.scope[vcenter] ?? [];
    if (entries.length === 0) return false;
    const dcs: DatacenterInfo[] = [];
    for (const o of s.objects.values()) {
      if (o.ref.type === "Datacenter") dcs.push({ ref: o.ref, name: o.name, path: this.pathOf(s, o) });
    }
    const next = resolveDatacenters(entries, dcs);
    const key = (r: ScopeResolution | undefined) =>
      r ? JSON.stringify([r.datacenters.map((d) => d.ref.value).sort(), r.problems]) : "";
    const changed = key(next) !== key(s.scope);
    s.scope = next;
    return changed;
  }

  /**
   * Inventory path of an object from its parents. The root folder's name is not part of paths; a
   * container view over it holds every folder below it but may leave the root itself out, so a
   * parent Folder that is not held is the root too. Undefined when the chain breaks otherwise.
   */
  private pathOf(s: VcenterState, o: InventoryObject): string | undefined {
    const names: string[] = [];
    let cur: InventoryObject = o;
    const path = () => `/${names.reverse().join("/")}`;
    for (let i = 0; i < 64; i++) {
      names.push(cur.name);
      if (!cur.parent) return undefined;
      const parent = s.objects.get(moKey(cur.parent));
      if (!parent) return cur.parent.type === "Folder" ? path() : undefined;
      if (!parent.parent) return path(); // the root folder, held after all
      cur = parent;
    }
    return undefined;
  }

  private datacenterOf(s: VcenterState, start: MoRef | undefined): InventoryObject | undefined {
    let cur = start;
    for (let i = 0; cur && i < 64; i++) {
      const o = s.objects.get(moKey(cur));
      if (!o) return undefined;
      if (o.ref.type === "Datacenter") return o;
      cur = o.parent;
    }
    return undefined;
  }

  /**
   * Configured datacenters that do not resolve (unknown, ambiguous), per synced vCenter. While
   * any is listed, nothing may be concluded from a VM's absence.
   */
  scopeProblems(): ScopeProblem[] {
    return [...this.vcenters].flatMap(([vcenter, s]) =>
      s.synced ? (s.scope?.problems ?? []).map((p) => ({ vcenter, ...p })) : [],
    );
  }

  /**
   * VMs anywhere in the inventory, whatever the configured datacenters, whose BIOS or instance
   * UUID is `uuid` (either byte order is the caller's to ask). A linear scan: asked only before
   * acting on an absence.
   */
  /** See DepartedVms: why a VM's absence proves nothing because its folder or pool left with it. */
  leftWithAncestors(uuid: string): string | undefined {
    return this.departed.leftWithAncestors(uuid, (vc, ref) => this.object(vc, ref) !== undefined);
  }

  vmsAnywhere(uuid: string): InventoryVm[] {
    const u = lower(uuid);
    return this.allVms().filter((vm) => vm.uuid === u || vm.instanceUuid === u);
  }

  private reindex(): void {
    if (!this.indexDirty) return;
    this.byUuid = new Map();
    this.byDns = new Map();
    this.byIp = new Map();
    for (const [vc, s] of this.vcenters) {
      const scoped = (this.scope[vc] ?? []).length > 0;
      // Only datacenters that resolved: an entry naming nothing widens nothing.
      const dcs = new Set(s.scope?.datacenters.map((d) => d.ref.value) ?? []);
      for (const [key, vm] of s.vms) {
        // Out of the configured datacenters; a VM whose datacenter is not known yet stays findable.
        if (scoped && vm.datacenterId !== undefined && !dcs.has(vm.datacenterId)) continue;
        const id = `${vc}\u0000${key}`;
        addTo(this.byUuid, vm.uuid && lower(vm.uuid), id);
        addTo(this.byDns, vm.guestHostName && lower(vm.guestHostName), id);
        for (const nic of vm.nics) for (const ip of nic.ipAddresses) addTo(this.byIp, lower(ip), id);
      }
    }
    this.indexDirty = false;
  }

  private resolve(ids: Set<string> | undefined): InventoryVm[] {
    if (!ids) return [];
    const out: InventoryVm[] = [];
    for (const id of ids) {
      const [vc, key] = id.split("\u0000");
      const vm = this.vcenters.get(vc)?.vms.get(key);
      if (vm) out.push(vm);
    }
    return out;
  }

  vmByUuid(uuid: string): InventoryVm[] {
    this.reindex();
    return this.resolve(this.byUuid.get(lower(uuid)));
  }

  vmsByDnsName(name: string): InventoryVm[] {
    this.reindex();
    return this.resolve(this.byDns.get(lower(name)));
  }

  vmsByIp(ip: string): InventoryVm[] {
    this.reindex();
    return this.resolve(this.byIp.get(lower(ip)));
  }

  vm(vcenter: string, ref: MoRef): InventoryVm | undefined {
    return this.vcenters.get(vcenter)?.vms.get(moKey(ref));
  }

  object(vcenter: string, ref: MoRef): InventoryObject | undefined {
    return this.vcenters.get(vcenter)?.objects.get(moKey(ref));
  }

  /** Objects of one type in a vCenter (for tag refreshes). */
  objectsOfType(vcenter: string, types: string[]): InventoryObject[] {
    return [...this.state(vcenter).objects.values()].filter((o) => types.includes(o.ref.type));
  }

  /** References of a vCenter's VMs (their tags are read in the same batch as the other objects'). */
  vmRefs(vcenter: string): MoRef[] {
    return [...this.state(vcenter).vms.values()].map((v) => v.ref);
  }

  allVms(): InventoryVm[] {
    return [...this.vcenters.values()].flatMap((s) => [...s.vms.values()]);
  }

  tagsOf(vcenter: string, ref: MoRef): Tag[] | undefined {
    return this.vcenters.get(vcenter)?.tags.get(moKey(ref));
  }

  /**
   * Replaces the tags of the given objects (objects absent from `tags` get none) and clears the
   * tag error; true when any object's tags differ from what was held (or were not held at all).
   */
  setTags(vcenter: string, tags: Map<string, Tag[]>, objects: MoRef[]): boolean {
    const s = this.state(vcenter);
    let changed = false;
    for (const ref of objects) {
      const key = moKey(ref);
      const next = tags.get(key) ?? [];
      if (!sameTags(s.tags.get(key), next)) changed = true;
      s.tags.set(key, next);
    }
    s.tagError = undefined;
    return changed;
  }

  /** Records why reading tags failed; the tags already held are kept. */
  markTagsFailed(vcenter: string, reason: string): void {
    this.state(vcenter).tagError = reason;
  }

  tagError(vcenter: string): string | undefined {
    return this.vcenters.get(vcenter)?.tagError;
  }

  counts(): { vcenter: string; vms: number; objects: number }[] {
    return [...this.vcenters].map(([vcenter, s]) => ({ vcenter, vms: s.vms.size, objects: s.objects.size }));
  }
}
