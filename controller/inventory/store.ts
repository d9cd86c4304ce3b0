// The in-memory inventory: one owner (the feed of each vCenter writes through applyBatch), one
// update path, read by the planners through InventoryView. Holds decoded VM summaries (never the
// raw property values: a change re-decodes only the paths it carries), indexes by BIOS UUID,
// guest DNS name and IP kept current VM by VM, and the parent objects (hosts, clusters,
// datacenters, pools, folders).
import { applyVmProperty, emptyVmSummary } from "../../vsphere/inventory.js";
import type { ObjectUpdate, UpdateBatch } from "../../vsphere/property.js";
import { asMoRef, asString, type Decoded } from "../../vsphere/soap/codec.js";
import { moKey, type MoRef } from "../../vsphere/types.js";
import { DepartedVms } from "./departed.js";
import { resolveDatacenters, type DatacenterInfo, type ScopeProblem, type ScopeResolution } from "./scope.js";
import type { InventoryObject, InventoryView, InventoryVm, Tag } from "./types.js";
import { VmIndex } from "./vm-index.js";

/** An object's links as vCenter reports them; a resource pool's parent falls back to its owner. */
interface ObjectLinks {
  parent?: MoRef;
  owner?: MoRef;
}

interface VcenterState {
  synced: boolean;
  unhealthy?: string;
  vms: Map<string, InventoryVm>;
  objects: Map<string, InventoryObject>;
  links: Map<string, ObjectLinks>;
  /** VMs whose datacenter is not known yet (a truncated load may deliver them before their folders). */
  unresolved: Set<string>;
  tags: Map<string, Tag[]>;
  /** Why the last tag read failed; cleared by the next successful one. */
  tagError?: string;
  /** The configured datacenters resolved against this inventory (at each complete batch). */
  scope?: ScopeResolution;
  /** Ids of the datacenters `scope` resolved to (what the lookups are limited to). */
  scopeIds: Set<string>;
}

const lower = (s: string) => s.toLowerCase();

/** What one batch changed, for event-driven re-planning. */
export interface VmChangeDetail {
  /** The versions `changed` replaced (VMs new to the store have none). */
  previous: InventoryVm[];
  /** A host, cluster, datacenter, pool or folder entered, left or changed (zones may move). */
  objectsChanged: boolean;
}

/** Same tags in any order (`held` undefined: never read). */
function sameTags(held: Tag[] | undefined, next: Tag[]): boolean {
  if (!held || held.length !== next.length) return false;
  const key = (t: Tag) => `${t.category}\u0000${t.name}`;
  const have = new Set(held.map(key));
  return next.every((t) => have.has(key(t)));
}

const valueOf = (c: ObjectUpdate["changes"][number]): Decoded | undefined =>
  c.op === "remove" || c.op === "indirectRemove" ? undefined : c.value;

export class InventoryStore implements InventoryView {
  private readonly vcenters = new Map<string, VcenterState>();
  private readonly index = new VmIndex();
  private readonly departed = new DepartedVms();
  /** Called after each applied batch with the VMs whose summary changed (for event-driven updates). */
  onVmChange: (vms: InventoryVm[], removed: InventoryVm[], detail: VmChangeDetail) => void = () => {};
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
    return {
      synced: false,
      vms: new Map(),
      objects: new Map(),
      links: new Map(),
      unresolved: new Set(),
      tags: new Map(),
      scopeIds: new Set(),
    };
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

  /** An initial batch replaces the vCenter's state: its VMs leave the indexes; tags stay. */
  private restart(vcenter: string): VcenterState {
    const old = this.state(vcenter);
    for (const [key, vm] of old.vms) this.unindex(vcenter, key, vm);
    const s = this.fresh();
    s.unhealthy = old.unhealthy;
    // Tags are refreshed on their own cadence.
    s.tags = old.tags;
    s.tagError = old.tagError;
    this.vcenters.set(vcenter, s);
    return s;
  }

  /** Applies one change-feed batch; an initial batch replaces the vCenter's state. */
  applyBatch(vcenter: string, batch: UpdateBatch): void {
    const s = batch.initial ? this.restart(vcenter) : this.state(vcenter);
    const removed: InventoryVm[] = [];
    /** VM key -> the version held before this batch (undefined: new). */
    const before = new Map<string, InventoryVm | undefined>();
    const next = new Map<string, InventoryVm>();
    let objectsChanged = false;
    // Datacenters and folders decide what the configured datacenters resolve to.
    let structural = batch.initial;
    for (const u of batch.updates) {
      const key = moKey(u.obj);
      if (u.obj.type === "Datacenter" || u.obj.type === "Folder") structural = true;
      if (u.obj.type !== "VirtualMachine") {
        objectsChanged = true;
        this.applyObject(vcenter, s, key, u);
        continue;
      }
      const held = next.get(key) ?? s.vms.get(key);
      if (!before.has(key)) before.set(key, s.vms.get(key));
      if (u.kind === "leave") {
        next.delete(key);
        const gone = s.vms.get(key);
        if (gone) {
          this.unindex(vcenter, key, gone);
          removed.push(gone);
        }
        s.vms.delete(key);
        s.unresolved.delete(key);
        before.delete(key);
        continue;
      }
      const vm: InventoryVm = held ? { ...held } : { ...emptyVmSummary(u.obj), vcenter };
      for (const c of u.changes) applyVmProperty(vm, c.path, valueOf(c));
      // A path vCenter could not read (or a keyed path whose key is gone) has no value.
      for (const m of u.missing) applyVmProperty(vm, m.path, undefined);
      next.set(key, vm);
    }
    const changed: InventoryVm[] = [];
    const previous: InventoryVm[] = [];
    // Objects were applied first, so VMs resolve their datacenter through fresh parents.
    for (const [key, vm] of next) {
      const dc = this.datacenterOf(s, vm.parent);
      vm.datacenter = dc?.name;
      vm.datacenterId = dc?.ref.value;
      this.replace(vcenter, s, key, vm);
      changed.push(vm);
      const prev = before.get(key);
      if (prev) previous.push(prev);
    }
    if (!batch.truncated) this.resolvePending(vcenter, s, next, changed, previous);
    // After the whole batch: a VM's folder leaving in the same batch must be seen as gone.
    for (const vm of removed) this.departed.record(vm);
    const becameSynced = !batch.truncated && !s.synced;
    if (!batch.truncated) s.synced = true;
    const scopeChanged = !batch.truncated && (structural || becameSynced || !s.scope) && this.resolveScope(vcenter, s);
    if (changed.length > 0 || removed.length > 0 || objectsChanged)
      this.onVmChange(changed, removed, { previous, objectsChanged });
    if (becameSynced) this.onSynced(vcenter);
    if (scopeChanged)
      this.onScopeChange(
        vcenter,
        this.scopeProblems().filter((p) => p.vcenter === vcenter),
      );
  }

  /**
   * Resolves the configured datacenters against the complete state; true when the outcome
   * changed, and then the vCenter's VMs are indexed again against the new scope.
   */
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
    if (changed) {
      for (const [k, vm] of s.vms) this.unindex(vcenter, k, vm);
      s.scopeIds = new Set(next.datacenters.map((d) => d.ref.value));
      for (const [k, vm] of s.vms) this.reindex(vcenter, k, vm);
    }
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

  private applyObject(vcenter: string, s: VcenterState, key: string, u: ObjectUpdate): void {
    if (u.kind === "leave") {
      s.objects.delete(key);
      s.links.delete(key);
      return;
    }
    const links = s.links.get(key) ?? {};
    const o: InventoryObject = { ...(s.objects.get(key) ?? { vcenter, ref: u.obj, name: "" }) };
    for (const c of u.changes) {
      const v = valueOf(c);
      if (c.path === "name") o.name = asString(v) ?? "";
      else if (c.path === "parent") links.parent = asMoRef(v);
      else if (c.path === "owner") links.owner = asMoRef(v);
    }
    o.parent = links.parent ?? links.owner;
    s.links.set(key, links);
    s.objects.set(key, o);
  }

  /** Puts a VM's new version in place, in the indexes and the unresolved set. */
  private replace(vcenter: string, s: VcenterState, key: string, vm: InventoryVm): void {
    const old = s.vms.get(key);
    if (old) this.unindex(vcenter, key, old);
    s.vms.set(key, vm);
    this.reindex(vcenter, key, vm);
    if (vm.datacenter === undefined) s.unresolved.add(key);
    else s.unresolved.delete(key);
  }

  /**
   * Once the state is complete, resolves the datacenter of VMs that arrived before their folders;
   * only those are visited, not every VM.
   */
  private resolvePending(
    vcenter: string,
    s: VcenterState,
    touched: Map<string, InventoryVm>,
    changed: InventoryVm[],
    previous: InventoryVm[],
  ): void {
    for (const key of [...s.unresolved]) {
      const vm = s.vms.get(key);
      const dc = vm && this.datacenterOf(s, vm.parent);
      if (!vm || dc === undefined) continue;
      const fixed = { ...vm, datacenter: dc.name, datacenterId: dc.ref.value };
      this.replace(vcenter, s, key, fixed);
      if (touched.has(key)) {
        changed[changed.indexOf(vm)] = fixed;
      } else {
        changed.push(fixed);
        previous.push(vm);
      }
    }
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

  /** See DepartedVms: why a VM's absence proves nothing because its folder or pool left with it. */
  leftWithAncestors(uuid: string): string | undefined {
    return this.departed.leftWithAncestors(uuid, (vc, ref) => this.object(vc, ref) !== undefined);
  }

  /**
   * VMs anywhere in the inventory, whatever the configured datacenters, whose BIOS or instance
   * UUID is `uuid` (either byte order is the caller's to ask). A linear scan: asked only before
   * acting on an absence.
   */
  vmsAnywhere(uuid: string): InventoryVm[] {
    const u = lower(uuid);
    return this.allVms().filter((vm) => vm.uuid === u || vm.instanceUuid === u);
  }

  /**
   * Whether a VM is in the configured datacenters: only datacenters that resolved count (an entry
   * naming nothing widens nothing); a VM whose datacenter is not known yet stays findable.
   */
  private inScope(vc: string, vm: InventoryVm): boolean {
    if ((this.scope[vc] ?? []).length === 0) return true;
    return vm.datacenterId === undefined || this.state(vc).scopeIds.has(vm.datacenterId);
  }

  private reindex(vc: string, key: string, vm: InventoryVm): void {
    // Out of the configured datacenters: held, but not found by the lookups.
    if (this.inScope(vc, vm)) this.index.add(`${vc}\u0000${key}`, vm);
  }

  private unindex(vc: string, key: string, vm: InventoryVm): void {
    this.index.remove(`${vc}\u0000${key}`, vm);
  }

  private resolve(ids: ReadonlySet<string> | undefined): InventoryVm[] {
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
    return this.resolve(this.index.uuid(uuid));
  }

  vmsByDnsName(name: string): InventoryVm[] {
    return this.resolve(this.index.dns(name));
  }

  vmsByIp(ip: string): InventoryVm[] {
    return this.resolve(this.index.ip(ip));
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
