// Keeps an InventoryStore current for one vCenter: one container view over the whole inventory,
// one property filter, WaitForUpdatesEx long polls. No polling, no per-node searches. Failures
// mark the vCenter unhealthy (so planners never act on a stale or partial inventory) and the feed
// reconnects with capped exponential backoff; a re-login starts from a fresh view. A heartbeat
// (CurrentTime, 10 s deadline, when nothing was heard for 45 s) runs beside the long poll: a
// vCenter that stops answering (a hung peer holds the long poll for its whole 5-minute window) is
// marked unhealthy within about a minute, and the feed starts over on a new connection.
import { setTimeout as sleep } from "node:timers/promises";
import { ManagedObjectNotFoundFault } from "../../vsphere/errors.js";
import { VM_SUMMARY_PATHS } from "../../vsphere/inventory.js";
import { createContainerView, destroyView, watch, type PropertySpec } from "../../vsphere/property.js";
import type { VsphereSession } from "../../vsphere/session.js";
import type { InventoryStore } from "./store.js";

export const INVENTORY_TYPES: PropertySpec[] = [
  { type: "VirtualMachine", pathSet: [...VM_SUMMARY_PATHS] },
  { type: "HostSystem", pathSet: ["name", "parent"] },
  { type: "ClusterComputeResource", pathSet: ["name", "parent"] },
  { type: "ComputeResource", pathSet: ["name", "parent"] },
  { type: "Datacenter", pathSet: ["name", "parent"] },
  { type: "ResourcePool", pathSet: ["name", "parent", "owner"] },
  { type: "Folder", pathSet: ["name", "parent"] },
];

export interface FeedOptions {
  signal: AbortSignal;
  /** Long-poll length; the idle cost is one WaitForUpdatesEx per this many seconds. */
  maxWaitSeconds?: number;
  /**
   * Cap of the reconnect backoff (default 5 s): a returning vCenter is picked up within seconds;
   * a down one costs a failed connection attempt every few seconds, not vCenter load.
   */
  maxBackoffMs?: number;
  /**
   * Heartbeat period (default 45 s: with the long poll and the tag refresh an idle vCenter sees
   * under 2 calls a minute) and the deadline of each heartbeat (default 10 s). A batch received
   * counts as an answer: a busy vCenter gets no heartbeats.
   */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  onError?: (err: unknown) => void;
}

export const HEARTBEAT_MS = 45_000;

class HeartbeatFailed extends Error {
  override name = "HeartbeatFailed";
}

const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** Runs until the signal aborts. */
export async function runInventoryFeed(
  session: VsphereSession,
  vcenter: string,
  store: InventoryStore,
  opts: FeedOptions,
): Promise<void> {
  let backoff = 500;
  while (!opts.signal.aborted) {
    try {
      await feedOnce(session, vcenter, store, opts);
      backoff = 500;
    } catch (err) {
      if (opts.signal.aborted) return;
      store.markUnhealthy(vcenter, describe(err));
      opts.onError?.(err);
      await sleep(backoff, undefined, { signal: opts.signal }).catch(() => {});
      backoff = Math.min(backoff * 2, opts.maxBackoffMs ?? 5_000);
    }
  }
}

/** One view + filter lifetime; returns when the session changed (re-login) so the caller starts over. */
async function feedOnce(
  session: VsphereSession,
  vcenter: string,
  store: InventoryStore,
  opts: FeedOptions,
): Promise<void> {
  if (session.generation === 0) await session.login(opts.signal);
  const generation = session.generation;
  const view = await createContainerView(
    session,
    INVENTORY_TYPES.map((t) => t.type),
    { signal: opts.signal },
  );
  const dead = new AbortController();
  const signal = AbortSignal.any([opts.signal, dead.signal]);
  const beatMs = opts.heartbeatTimeoutMs ?? 10_000;
  const everyMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  let answeredAt = Date.now();
  const beat = setInterval(
    () => {
      if (Date.now() - answeredAt < everyMs) return;
      // One deadline over the call and the transport's retries.
      const deadline = AbortSignal.timeout(beatMs);
      session.currentTime(AbortSignal.any([signal, deadline])).then(
        () => (answeredAt = Date.now()),
        (err: unknown) => {
          if (signal.aborted) return;
          const why = deadline.aborted ? `no answer within ${beatMs} ms` : describe(err);
          const failed = new HeartbeatFailed(`vCenter did not answer a heartbeat: ${why}`, { cause: err });
          // At once: ending the long poll may itself wait on the hung vCenter (its cleanup calls).
          store.markUnhealthy(vcenter, describe(failed));
          dead.abort(failed);
        },
      );
    },
    Math.min(everyMs / 3, 5_000),
  ); // a local check; a call only when due
  try {
    const feed = watch(
      session,
      { props: INVENTORY_TYPES, source: { view } },
      { signal, maxWaitSeconds: opts.maxWaitSeconds ?? 300 },
    );
    for await (const batch of feed) {
      if (session.generation !== generation && !batch.initial) return;
      // Healthy first: the batch completes the state, and listeners of applyBatch must see it whole.
      answeredAt = Date.now();
      if (!batch.truncated) store.markHealthy(vcenter);
      store.applyBatch(vcenter, batch);
    }
    if (dead.signal.aborted && !opts.signal.aborted) throw dead.signal.reason;
  } catch (err) {
    if (dead.signal.aborted && !opts.signal.aborted) throw dead.signal.reason;
    // The view died with its session (re-login happened inside the watch): start over.
    if (err instanceof ManagedObjectNotFoundFault && session.generation !== generation) return;
    throw err;
  } finally {
    clearInterval(beat);
    // Not on a vCenter that stopped answering: the call would wait out its whole timeout.
    if (session.generation === generation && !signal.aborted) await destroyView(session, view).catch(() => {});
  }
}
