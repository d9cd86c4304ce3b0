// Prometheus metrics of the CCM (prom-client), names from constants.ts. vCenter calls come from
// the vSphere client's CallStats listener, so the figures are the client's exact counts.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CallStats } from "../vsphere/stats.js";
import { Metric } from "./constants.js";

export class CcmMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: Metric.reconciles,
    help: "Node syncs by controller and result",
    labelNames: ["controller", "result"],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: Metric.reconcileErrors,
    help: "Node syncs that failed (a write refused, an API error); each failed retry counts",
    labelNames: ["controller"],
    registers: [this.registry],
  });
  readonly vcenterCalls = new Counter({
    name: Metric.vcenterCalls,
    help: "vCenter calls by vCenter, API and method",
    labelNames: ["vcenter", "api", "method", "result"],
    registers: [this.registry],
  });
  readonly vcenterCallSeconds = new Histogram({
    name: Metric.vcenterCallSeconds,
    help: "vCenter call latency",
    labelNames: ["vcenter", "api", "method"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300],
    registers: [this.registry],
  });
  readonly inventoryVms = new Gauge({
    name: Metric.inventoryVms,
    help: "VMs held in the inventory",
    labelNames: ["vcenter"],
    registers: [this.registry],
  });
  readonly inventorySynced = new Gauge({
    name: Metric.inventorySynced,
    help: "1 when every vCenter's inventory is in sync",
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: Metric.queueDepth,
    help: "Keys queued or in flight",
    labelNames: ["controller"],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: Metric.leader,
    help: "1 while this replica holds the leader lease",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts every call of a vCenter's client; returns the unsubscribe function. */
  observe(vcenter: string, stats: CallStats): () => void {
    return stats.onCall((api, method, ms, ok) => {
      this.vcenterCalls.inc({ vcenter, api, method, result: ok ? "ok" : "error" });
      this.vcenterCallSeconds.observe({ vcenter, api, method }, ms / 1000);
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
