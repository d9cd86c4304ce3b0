// Tags on the inventory's objects (hosts, clusters, datacenters, pools, folders, and the VMs
// themselves for upstream's third zone walk), read through one REST session per vCenter: one
// batched list-attached-tags-on-objects call per refresh for all of them, never one per VM, plus one GET per tag or category id not seen before (names are cached). Refreshes
// run on a slow cadence (--tag-refresh-period) and after each inventory sync. A refresh that
// changes what the store holds (a tag attached or detached, a new object's tags, a read starting
// or ceasing to fail) is reported to onChange, so Nodes waiting for a tag are planned again.
import type { RestClient } from "../../vsphere/rest/client.js";
import { listAttachedTagsOnObjects } from "../../vsphere/rest/tag-association.js";
import { getCategory, getTag } from "../../vsphere/rest/tagging.js";
import { moKey } from "../../vsphere/types.js";
import type { InventoryStore } from "./store.js";
import type { Tag } from "./types.js";

export const TAGGED_TYPES = [
  "HostSystem",
  "ClusterComputeResource",
  "ComputeResource",
  "Datacenter",
  "ResourcePool",
  "Folder",
];

export class TagCache {
  private readonly tagNames = new Map<string, { name: string; categoryId: string }>();
  private readonly categoryNames = new Map<string, string>();
  private inFlight?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private lastStarted = 0;
  /** The life of the process's feeds (from start): every refresh's requests carry it. */
  private signal?: AbortSignal;
  /** Completed refreshes (for readiness and tests). */
  refreshes = 0;
  /** Called after a refresh that changed the tags held or ended a run of failures, and when reads start failing. */
  onChange: () => void = () => {};

  constructor(
    private readonly vcenter: string,
    private readonly client: RestClient,
    private readonly store: InventoryStore,
  ) {}

  /**
   * Reads the tags of every tagged-type object now; concurrent callers share one refresh. Its
   * requests carry `signal` (default: the one given to start) and each its transport timeout.
   */
  refresh(signal: AbortSignal | undefined = this.signal): Promise<void> {
    if (!this.inFlight) this.lastStarted = Date.now();
    this.inFlight ??= this.doRefresh(signal).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * A refresh as soon as one is allowed: now, or `minGapMs` after the last one started. For objects
   * whose tags were never read (a VM created since the last refresh, on which a new Node's zone
   * may depend), so it waits seconds, not a whole --tag-refresh-period. Calls in a burst share one
   * refresh, so a churn of VMs costs at most one tag read per `minGapMs` and an idle inventory none.
   */
  refreshSoon(onError: (err: unknown) => void, minGapMs = 10_000): void {
    if (this.soon) return;
    const wait = Math.max(0, this.lastStarted + minGapMs - Date.now());
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.refresh().catch(onError);
    }, wait);
    this.soon.unref();
  }

  private async doRefresh(signal?: AbortSignal): Promise<void> {
    const objects = [
      ...this.store.objectsOfType(this.vcenter, TAGGED_TYPES).map((o) => o.ref),
      ...this.store.vmRefs(this.vcenter),
    ];
    const byObject = new Map<string, Tag[]>();
    try {
      const attached = await listAttachedTagsOnObjects(this.client, objects, signal);
      for (const a of attached) {
        const tags: Tag[] = [];
        for (const id of a.tagIds) {
          const t = await this.tag(id, signal);
          if (t) tags.push(t);
        }
        byObject.set(moKey(a.object), tags);
      }
    } catch (err) {
      const first = this.store.tagError(this.vcenter) === undefined;
      this.store.markTagsFailed(this.vcenter, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      if (first) this.onChange();
      throw err;
    }
    const recovered = this.store.tagError(this.vcenter) !== undefined;
    const changed = this.store.setTags(this.vcenter, byObject, objects);
    this.refreshes++;
    if (changed || recovered) this.onChange();
  }

  private async tag(id: string, signal?: AbortSignal): Promise<Tag | undefined> {
    let t = this.tagNames.get(id);
    if (!t) {
      try {
        const got = await getTag(this.client, id, signal);
        t = { name: got.name, categoryId: got.categoryId };
        this.tagNames.set(id, t);
      } catch (err) {
        if ((err as { notFound?: boolean }).notFound) return undefined; // deleted since it was listed
        throw err;
      }
    }
    let category = this.categoryNames.get(t.categoryId);
    if (category === undefined) {
      category = (await getCategory(this.client, t.categoryId, signal)).name;
      this.categoryNames.set(t.categoryId, category);
    }
    return { category, name: t.name };
  }

  /** Forgets cached names (a renamed tag or category is read again at the next refresh). */
  forgetNames(): void {
    this.tagNames.clear();
    this.categoryNames.clear();
  }

  /**
   * Refreshes every `intervalMs` (names re-read every tenth time); errors go to onError. Every
   * refresh from now on carries `signal`, and its abort stops the cadence.
   */
  start(intervalMs: number, onError: (err: unknown) => void, signal?: AbortSignal): void {
    this.stop();
    this.signal = signal;
    signal?.addEventListener("abort", () => this.stop(), { once: true });
    let n = 0;
    this.timer = setInterval(() => {
      if (++n % 10 === 0) this.forgetNames();
      this.refresh().catch(onError);
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.soon);
    this.soon = undefined;
  }
}
