// The only writes the CCM makes to Nodes. Each re-reads the Node and applies its change with the
// resourceVersion it read, retrying on 409 Conflict: decisions are made once, only the write
// retries (as k8s.io/cloud-provider's node controller does).
import type { KubeConfig, V1Node, V1NodeAddress, V1Taint } from "@kubernetes/client-node";
import { CoreV1Api } from "@kubernetes/client-node";

const isConflict = (err: unknown) => (err as { code?: number })?.code === 409;

export class NodeWriter {
  private readonly api: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly attempts = 5,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  /** Re-reads the node, lets `mutate` change it (false = nothing to do), replaces it; retries conflicts. */
  private async update(name: string, mutate: (n: V1Node) => boolean, status = false): Promise<V1Node | undefined> {
    for (let i = 1; ; i++) {
      const node = await this.api.readNode({ name });
      if (!mutate(node)) return undefined;
      try {
        return status
          ? await this.api.replaceNodeStatus({ name, body: node })
          : await this.api.replaceNode({ name, body: node });
      } catch (err) {
        if (!isConflict(err) || i >= this.attempts) throw err;
      }
    }
  }

  /** Sets status.addresses when they differ; never blanks them. */
  async setAddresses(name: string, addresses: V1NodeAddress[]): Promise<boolean> {
    if (addresses.length === 0) return false;
    const res = await this.update(
      name,
      (n) => {
        const cur = n.status?.addresses ?? [];
        if (sameAddresses(cur, addresses)) return false;
        n.status = { ...n.status, addresses };
        return true;
      },
      true,
    );
    return res !== undefined;
  }

  /**
   * Initializes a node in one write: providerID (only when unset: it is immutable), labels, and
   * removal of the taints named in `removeTaints`.
   */
  async initialize(
    name: string,
    change: { providerID: string; labels: Record<string, string>; removeTaints: string[] },
  ): Promise<boolean> {
    const res = await this.update(name, (n) => {
      let changed = false;
      n.spec ??= {};
      if (!n.spec.providerID) {
        n.spec.providerID = change.providerID;
        changed = true;
      }
      n.metadata ??= {};
      const labels = { ...(n.metadata.labels ?? {}) };
      for (const [k, v] of Object.entries(change.labels)) {
        if (labels[k] !== v) {
          labels[k] = v;
          changed = true;
        }
      }
      n.metadata.labels = labels;
      const taints = n.spec.taints ?? [];
      const kept = taints.filter((t) => !change.removeTaints.includes(t.key));
      if (kept.length !== taints.length) {
        n.spec.taints = kept;
        changed = true;
      }
      return changed;
    });
    return res !== undefined;
  }

  async addTaint(name: string, taint: V1Taint): Promise<boolean> {
    const res = await this.update(name, (n) => {
      n.spec ??= {};
      const taints = n.spec.taints ?? [];
      if (taints.some((t) => t.key === taint.key && t.effect === taint.effect)) return false;
      n.spec.taints = [...taints, { ...taint, timeAdded: taint.timeAdded ?? new Date() }];
      return true;
    });
    return res !== undefined;
  }

  async removeTaint(name: string, key: string): Promise<boolean> {
    const res = await this.update(name, (n) => {
      const taints = n.spec?.taints ?? [];
      const kept = taints.filter((t) => t.key !== key);
      if (kept.length === taints.length) return false;
      (n.spec ??= {}).taints = kept;
      return true;
    });
    return res !== undefined;
  }

  /** Deletes a node; a node already gone counts as done. */
  async delete(name: string): Promise<void> {
    try {
      await this.api.deleteNode({ name });
    } catch (err) {
      if ((err as { code?: number })?.code !== 404) throw err;
    }
  }
}

export function sameAddresses(a: V1NodeAddress[], b: V1NodeAddress[]): boolean {
  return a.length === b.length && a.every((x, i) => x.type === b[i].type && x.address === b[i].address);
}
