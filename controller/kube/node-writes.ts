// The only writes the CCM makes to Nodes, each a JSON merge patch guarded by the resourceVersion
// its decision was made on (a 409 Conflict means the Node moved: re-read it, decide again, retry).
//
// Why patches: upstream's ClusterRole `system:cloud-controller-manager` grants `patch` (not
// `update`) on nodes/status, so a drop-in replacement must patch; and a patch carries only the
// changed fields, not the whole Node. Why merge patch and not strategic merge: the lists we write
// (addresses, taints) are replaced whole, which is what we mean (a strategic merge would merge
// addresses by `type` and lose a second InternalIP). The first attempt uses the caller's copy (the
// informer's), so the common case is one request per write with no GET before it.
//
// Every request carries the writer's signal (bound(): the leader's term, so losing the Lease
// aborts every write in flight and refuses the next) and a timeout (kube/call.ts).
import type { KubeConfig, V1Node, V1NodeAddress, V1Taint } from "@kubernetes/client-node";
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { kubeCall } from "./call.js";

const statusOf = (err: unknown) => (err as { code?: number })?.code;
const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

type Patch = { metadata?: Record<string, unknown>; spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** What a Node's deletion is conditional on: that incarnation, unchanged since the decision. */
export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export class NodeWriter {
  private readonly api: CoreV1Api;
  /** Requests sent to the apiserver by this writer, by verb (the benchmark and tests read it). */
  readonly requests: { get: number; patch: number; delete: number };

  constructor(
    kc: KubeConfig | { api: CoreV1Api; requests: NodeWriter["requests"] },
    private readonly attempts = 5,
    private readonly signal?: AbortSignal,
  ) {
    if ("api" in kc) {
      this.api = kc.api;
      this.requests = kc.requests;
    } else {
      this.api = kc.makeApiClient(CoreV1Api);
      this.requests = { get: 0, patch: 0, delete: 0 };
    }
  }

  /** The same writer (same counters) with every request bound to `signal`. */
  bound(signal: AbortSignal): NodeWriter {
    return new NodeWriter({ api: this.api, requests: this.requests }, this.attempts, signal);
  }

  private async read(name: string): Promise<V1Node> {
    this.requests.get++;
    return kubeCall(`read node ${name}`, this.signal, (o) => this.api.readNode({ name }, o));
  }

  /**
   * Builds a patch from `current` (or a fresh read when absent), sends it with that node's
   * resourceVersion, and on 409 reads the node again and rebuilds. `build` returning undefined
   * means nothing to do. Resolves to the node as written, or undefined when nothing was written.
   */
  private async patch(
    name: string,
    current: V1Node | undefined,
    build: (n: V1Node) => Patch | undefined,
    subresource?: "status",
  ): Promise<V1Node | undefined> {
    let node = current ?? (await this.read(name));
    for (let i = 1; ; i++) {
      const body = build(node);
      if (!body) return undefined;
      body.metadata = { ...body.metadata, resourceVersion: node.metadata?.resourceVersion };
      try {
        this.requests.patch++;
        return await kubeCall(
          `patch node ${name}${subresource ? `/${subresource}` : ""}`,
          this.signal,
          (o) =>
            subresource === "status"
              ? this.api.patchNodeStatus({ name, body }, o)
              : this.api.patchNode({ name, body }, o),
          { options: MERGE_PATCH },
        );
      } catch (err) {
        if (statusOf(err) !== 409 || i >= this.attempts) throw err;
        node = await this.read(name);
      }
    }
  }

  /**
   * Sets status.addresses to `want(current addresses)` when that differs; never blanks them.
   * `want` gets the addresses of the node the patch is built on, so a retry after a conflict
   * decides on fresh data.
   */
  async setAddresses(
    name: string,
    want: V1NodeAddress[] | ((current: V1NodeAddress[]) => V1NodeAddress[]),
    current?: V1Node,
  ): Promise<V1Node | undefined> {
    return this.patch(
      name,
      current,
      (n) => {
        const cur = n.status?.addresses ?? [];
        const addresses = typeof want === "function" ? want(cur) : want;
        if (addresses.length === 0 || sameAddresses(cur, addresses)) return undefined;
        return { status: { addresses } };
      },
      "status",
    );
  }

  /**
   * Initializes a node in one write: providerID (only when unset: it is immutable), labels, and
   * removal of the taints named in `removeTaints`.
   */
  async initialize(
    name: string,
    change: { providerID: string; labels: Record<string, string>; removeTaints: string[] },
    current?: V1Node,
  ): Promise<V1Node | undefined> {
    return this.patch(name, current, (n) => {
      const spec: Record<string, unknown> = {};
      if (!n.spec?.providerID) spec.providerID = change.providerID;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(change.labels)) if (n.metadata?.labels?.[k] !== v) labels[k] = v;
      const taints = n.spec?.taints ?? [];
      const kept = taints.filter((t) => !change.removeTaints.includes(t.key));
      if (kept.length !== taints.length) spec.taints = kept;
      if (Object.keys(spec).length === 0 && Object.keys(labels).length === 0) return undefined;
      const p: Patch = {};
      if (Object.keys(spec).length > 0) p.spec = spec;
      if (Object.keys(labels).length > 0) p.metadata = { labels };
      return p;
    });
  }

  async addTaint(name: string, taint: V1Taint, current?: V1Node): Promise<V1Node | undefined> {
    return this.patch(name, current, (n) => {
      const taints = n.spec?.taints ?? [];
      if (taints.some((t) => t.key === taint.key && t.effect === taint.effect)) return undefined;
      return { spec: { taints: [...taints, { ...taint, timeAdded: taint.timeAdded ?? new Date() }] } };
    });
  }

  async removeTaint(name: string, key: string, current?: V1Node): Promise<V1Node | undefined> {
    return this.patch(name, current, (n) => {
      const taints = n.spec?.taints ?? [];
      const kept = taints.filter((t) => t.key !== key);
      if (kept.length === taints.length) return undefined;
      return { spec: { taints: kept } };
    });
  }

  /**
   * Deletes a node; a node already gone counts as done. With preconditions, only that incarnation
   * as it was when decided on: a Node re-registered under the same name, or changed since (409
   * from the precondition), is kept ("changed": decide again on the new copy).
   */
  async delete(name: string, pre: DeletePreconditions = {}): Promise<"deleted" | "gone" | "changed"> {
    const preconditions = pre.uid || pre.resourceVersion ? pre : undefined;
    try {
      this.requests.delete++;
      await kubeCall(`delete node ${name}`, this.signal, (o) =>
        this.api.deleteNode({ name, body: preconditions ? { preconditions } : undefined }, o),
      );
      return "deleted";
    } catch (err) {
      if (statusOf(err) === 404) return "gone";
      if (preconditions && statusOf(err) === 409) return "changed";
      throw err;
    }
  }
}

export function sameAddresses(a: V1NodeAddress[], b: V1NodeAddress[]): boolean {
  return a.length === b.length && a.every((x, i) => x.type === b[i].type && x.address === b[i].address);
}
