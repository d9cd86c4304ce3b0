// Events on Nodes, as kubectl describe shows them. Repeats of the same reason and message are
// folded into one Event with a growing count (like client-go's correlator), so a node that stays
// un-initializable does not flood the API server.
import type { CoreV1Event, KubeConfig, V1Node } from "@kubernetes/client-node";
import { CoreV1Api } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import { COMPONENT, type EventReason } from "../constants.js";
import { kubeCall } from "./call.js";

interface Seen {
  name: string;
  count: number;
}

export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly seen: Map<string, Seen>;

  constructor(
    kc: KubeConfig | { api: CoreV1Api; seen: Map<string, Seen> },
    private readonly host: string,
    /** Nodes are cluster-scoped; their Events live in "default", as the kubelet's do. */
    private readonly namespace = "default",
    /** Every request carries it (bound(): the leader's term) plus a timeout. */
    private readonly signal?: AbortSignal,
  ) {
    if ("api" in kc) {
      this.api = kc.api;
      this.seen = kc.seen;
    } else {
      this.api = kc.makeApiClient(CoreV1Api);
      this.seen = new Map();
    }
  }

  /** The same recorder (same folding of repeats) with every request bound to `signal`. */
  bound(signal: AbortSignal): EventRecorder {
    return new EventRecorder({ api: this.api, seen: this.seen }, this.host, this.namespace, signal);
  }

  async record(node: V1Node, type: "Normal" | "Warning", reason: EventReason, message: string): Promise<void> {
    const nodeName = node.metadata?.name ?? "";
    const key = `${nodeName}\u0000${reason}\u0000${message}`;
    const now = new Date();
    const prior = this.seen.get(key);
    if (prior) {
      prior.count++;
      await kubeCall(`patch event ${prior.name}`, this.signal, (o) =>
        this.api.patchNamespacedEvent(
          {
            name: prior.name,
            namespace: this.namespace,
            body: [
              { op: "replace", path: "/count", value: prior.count },
              { op: "replace", path: "/lastTimestamp", value: now.toISOString() },
            ],
          },
          o,
        ),
      ).catch(() => this.seen.delete(key)); // expired, deleted or not answered: the next one creates anew
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
    await kubeCall(`create event for node ${nodeName}`, this.signal, (o) =>
      this.api.createNamespacedEvent({ namespace: this.namespace, body: event }, o),
    );
    this.seen.set(key, { name: event.metadata.name as string, count: 1 });
    if (this.seen.size > 10_000) this.seen.clear();
  }
}
