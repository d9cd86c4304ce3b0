// A Node informer: list, then watch from the list's resourceVersion with bookmarks; relist on
// 410 Gone (expired resourceVersion) and restart on any error with backoff; a watchdog restarts
// a watch that has been silent longer than its timeout (stalled TCP), so no Node is missed; a
// relist has its own deadline (listTimeoutMs), so a hung apiserver cannot hold it either.
import type { KubeConfig, V1Node } from "@kubernetes/client-node";
import { CoreV1Api, Watch } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { kubeCall } from "./call.js";

export interface NodeHandler {
  onUpsert(node: V1Node): void;
  onDelete(node: V1Node): void;
}

export interface InformerOptions {
  signal: AbortSignal;
  /** Server-side watch timeout; the watchdog fires at 1.5x this with no event or bookmark. */
  watchTimeoutSeconds?: number;
  /** Deadline of one list (default 60 s): the relist's watchdog. */
  listTimeoutMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * What the cache keeps of a Node: everything but `metadata.managedFields` and `status.images`,
 * which no controller reads and which are most of a real kubelet's Node (a field-manager entry
 * per writer; up to 50 image names with their digests). Writes are patches of the fields we
 * decide on, never the cached object sent back, so dropping them loses nothing.
 */
export function trimNode(n: V1Node): V1Node {
  if (n.metadata?.managedFields) n.metadata.managedFields = undefined;
  if (n.status?.images) n.status.images = undefined;
  return n;
}

export class NodeInformer {
  private readonly cache = new Map<string, V1Node>();
  private resourceVersion = "";
  synced = false;
  /** Full relists done (first list included). */
  relists = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly handler: NodeHandler,
  ) {}

  get(name: string): V1Node | undefined {
    return this.cache.get(name);
  }

  list(): V1Node[] {
    return [...this.cache.values()];
  }

  private async relist(signal: AbortSignal, timeoutMs: number): Promise<void> {
    const api = this.kc.makeApiClient(CoreV1Api);
    const res = await kubeCall("list nodes", signal, (o) => api.listNode({}, o), { timeoutMs });
    const seen = new Set<string>();
    for (const n of res.items.map(trimNode)) {
      const name = n.metadata?.name;
      if (!name) continue;
      seen.add(name);
      this.cache.set(name, n);
      this.handler.onUpsert(n);
    }
    for (const [name, n] of this.cache) {
      if (!seen.has(name)) {
        this.cache.delete(name);
        this.handler.onDelete(n);
      }
    }
    this.resourceVersion = res.metadata?.resourceVersion ?? "";
    this.relists++;
    this.synced = true;
  }

  /** Runs until the signal aborts. */
  async run(opts: InformerOptions): Promise<void> {
    let backoff = 200;
    let needList = true;
    const timeout = opts.watchTimeoutSeconds ?? 300;
    while (!opts.signal.aborted) {
      try {
        if (needList) await this.relist(opts.signal, opts.listTimeoutMs ?? 60_000);
        needList = false;
        const gone = await this.watchOnce(timeout, opts.signal);
        if (gone) needList = true;
        backoff = 200;
      } catch (err) {
        if (opts.signal.aborted) return;
        opts.onError?.(err);
        needList = true;
        await sleep(backoff, undefined, { signal: opts.signal }).catch(() => {});
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  /** One watch; resolves true when the resourceVersion expired (410) and a relist is needed. */
  private watchOnce(timeoutSeconds: number, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let gone = false;
      let finished = false;
      let ctl: AbortController | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (err?: unknown) => {
        if (finished) return;
        finished = true;
        clearTimeout(watchdog);
        signal.removeEventListener("abort", onAbort);
        ctl?.abort();
        if (err && !gone && !signal.aborted) reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        else resolve(gone);
      };
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => finish(new Error(`node watch silent for ${timeoutSeconds * 1.5} s; restarting`)),
          timeoutSeconds * 1500,
        );
        watchdog.unref();
      };
      const onAbort = () => finish();
      signal.addEventListener("abort", onAbort, { once: true });
      arm();
      new Watch(this.kc)
        .watch(
          "/api/v1/nodes",
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          (phase: string, obj: V1Node & { code?: number }) => {
            arm();
            if (phase === "ERROR") {
              if (obj.code === 410) gone = true;
              finish(new Error(`node watch error: ${JSON.stringify(obj).slice(0, 200)}`));
              return;
            }
            const rv = obj.metadata?.resourceVersion;
            if (rv) this.resourceVersion = rv;
            if (phase === "BOOKMARK") return;
            const name = obj.metadata?.name;
            if (!name) return;
            if (phase === "DELETED") {
              this.cache.delete(name);
              this.handler.onDelete(obj);
            } else {
              this.cache.set(name, trimNode(obj));
              this.handler.onUpsert(obj);
            }
          },
          (err: unknown) => finish(err),
        )
        .then((c) => {
          ctl = c;
          if (finished) c.abort();
        }, finish);
    });
  }
}
