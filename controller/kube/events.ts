// Events on Nodes, as kubectl describe shows them. Repeats of the same reason and message are
// folded into one Event with a growing count (like client-go's correlator), so a node that stays
// un-initializable does not flood the API server.
import type { CoreV1Event, KubeConfig, V1Node } from "@kubernetes/client-node";
import { CoreV1Api } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import { COMPONENT, type EventReason } from "../constants.js";

interface Seen {
  name: string;
  count: number;
}

export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly seen = new Map<string, Seen>();

  constructor(
    kc: KubeConfig,
    private readonly host: string,
    /** Nodes are cluster-scoped; their Events live in "default", as the kubelet's do. */
    private readonly namespace = "default",
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async record(node: V1Node, type: "Normal" | "Warning", reason: EventReason, message: string): Promise<void> {
    const nodeName = node.metadata?.name ?? "";
    const key = `${nodeName}\u0000${reason}\u0000${message}`;
    const now = new Date();
    const prior = this.seen.get(key);
    if (prior) {
      prior.count++;
      await this.api
        .patchNamespacedEvent({
          name: prior.name,
          namespace: this.namespace,
          body: [
            { op: "replace", path: "/count", value: prior.count },
            { op: "replace", path: "/lastTimestamp", value: now.toISOString() },
          ],
        })
        .catch(() => this.seen.delete(key)); // expired or deleted: the next one creates anew
      return;
    }
    const event: CoreV1Event = {
      metadata: { name: `${nodeName}.${randomBytes(8).toString("hex")}`, namespace: this.namespace },
      involvedObject: { kind: "Node", name: nodeName, uid: nodeName, apiVersion: "v1" },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: COMPONENT, host: this.host },
      reportingComponent: COMPONENT,
      reportingInstance: this.host,
    };
    await this.api.createNamespacedEvent({ namespace: this.namespace, body: event });
    this.seen.set(key, { name: event.metadata.name as string, count: 1 });
    if (this.seen.size > 10_000) this.seen.clear();
  }
}
