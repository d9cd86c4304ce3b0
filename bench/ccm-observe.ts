// The bench's own eyes: a Node watch (not the CCM's logs) that judges initialization and taints,
// the CCM's /metrics read with the admin token, and /proc figures for the CCM and the machine.
import { Watch, type CoreV1Api, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import { readFile } from "node:fs/promises";
import { TAINT_UNINITIALIZED } from "./ccm-fixture.js";

export const isInitialized = (n: V1Node): boolean =>
  !!n.spec?.providerID && !(n.spec.taints ?? []).some((t) => t.key === TAINT_UNINITIALIZED);

export const hasTaint = (n: V1Node, key: string): boolean => (n.spec?.taints ?? []).some((t) => t.key === key);

interface Waiter {
  test: () => boolean;
  resolve: (at: number) => void;
}

/**
 * Holds the latest version of every Node matching a label selector from a list + watch (re-listed
 * when the watch ends). `until(test)` resolves with the wall-clock time (ms) of the event after
 * which `test` first held.
 */
export class NodeWatcher {
  readonly nodes = new Map<string, V1Node>();
  private waiters: Waiter[] = [];
  private abort?: AbortController;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly api: CoreV1Api,
    private readonly labelSelector: string,
  ) {}

  async start(): Promise<void> {
    const list = await this.api.listNode({ labelSelector: this.labelSelector });
    this.nodes.clear();
    for (const n of list.items) this.nodes.set(n.metadata?.name ?? "", n);
    this.check(Date.now());
    this.abort = await new Watch(this.kc).watch(
      "/api/v1/nodes",
      { labelSelector: this.labelSelector, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, obj: V1Node) => this.onEvent(type, obj),
      () => {
        if (!this.stopped) void this.start().catch((err: unknown) => console.error("bench:ccm: node watch", err));
      },
    );
  }

  private onEvent(type: string, n: V1Node): void {
    const at = Date.now();
    const name = n.metadata?.name ?? "";
    if (type === "ADDED" || type === "MODIFIED") this.nodes.set(name, n);
    else if (type === "DELETED") this.nodes.delete(name);
    else return;
    this.check(at);
  }

  private check(at: number): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve(at);
      return false;
    });
  }

  count(pred: (n: V1Node) => boolean): number {
    let c = 0;
    for (const n of this.nodes.values()) if (pred(n)) c++;
    return c;
  }

  /** Resolves with the time of the event that made `test` true (now, when it already is). */
  until(what: string, test: () => boolean, timeoutMs: number): Promise<number> {
    if (test()) return Promise.resolve(Date.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        test,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.waiters.push(waiter);
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}

export interface CallCounts {
  total: number;
  soap: number;
  rest: number;
  /** Per method, e.g. "soap:WaitForUpdatesEx" or "rest:POST tagging/tag-association". */
  byMethod: Record<string, number>;
}

/** vsphere_ccm_vcenter_calls_total summed over every series, per API (soap, rest) and per method. */
export function vcenterCalls(metrics: string): CallCounts {
  const out: CallCounts = { total: 0, soap: 0, rest: 0, byMethod: {} };
  for (const line of metrics.split("\n")) {
    // Greedy up to the last brace: method labels hold braces ("GET tagging/tag/{id}").
    const m = /^vsphere_ccm_vcenter_calls_total\{(.*)\}\s+(\S+)$/.exec(line);
    if (!m) continue;
    const n = Number(m[2]);
    const label = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(m[1])?.[1] ?? "";
    out.total += n;
    const api = label("api");
    if (api === "soap" || api === "rest") out[api] += n;
    const key = `${api}:${label("method")}`;
    out.byMethod[key] = (out.byMethod[key] ?? 0) + n;
  }
  return out;
}

/** Peak and current resident set of a process, in MiB, and its CPU seconds (user + system). */
export async function processFigures(pid: number): Promise<{ hwmMB: number; rssMB: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after "comm)"; clock ticks are 100/s on Linux.
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
  return { hwmMB: Math.round(kb("VmHWM") / 1024), rssMB: Math.round(kb("VmRSS") / 1024), cpuSeconds };
}

/** Machine-wide CPU time counters from /proc/stat (jiffies): idle (idle + iowait) and total. */
export async function cpuCounters(): Promise<{ idle: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0];
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
}

/** Share of the machine's CPU that was idle between two samples, in percent. */
export const idlePercent = (a: { idle: number; total: number }, b: { idle: number; total: number }): number =>
  Math.round((100 * (b.idle - a.idle)) / Math.max(1, b.total - a.total));

/** The V8 heap (used, total) and external memory from prom-client's default metrics, in MiB. */
export function heapFigures(metrics: string): { used: number; total: number; external: number } {
  const gauge = (name: string) =>
    Math.round(Number(new RegExp(`^${name}\\s+(\\S+)$`, "m").exec(metrics)?.[1] ?? NaN) / 2 ** 20);
  return {
    used: gauge("nodejs_heap_size_used_bytes"),
    total: gauge("nodejs_heap_size_total_bytes"),
    external: gauge("nodejs_external_memory_bytes"),
  };
}
