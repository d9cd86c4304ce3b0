// Initializes Nodes that carry node.cloudprovider.kubernetes.io/uninitialized: plan once from the
// inventory (no vCenter call), then write addresses (status) and providerID, labels and taint
// removal (one Node patch). A node that cannot be initialized yet keeps its taint and gets an
// Event saying why, once per distinct reason; it is retried when the inventory or the tags
// change. While the answer waits only on the controller's own caches (inventory not synced, tags
// not read yet: every start) the reason is not put in an Event, and the waiting Nodes are logged
// as one summary line (wait-summary.ts).
import { planNodeInit, type InitOptions } from "../cloud/plan-init.js";
import { EventReason, TAINT_UNINITIALIZED } from "../constants.js";
import type { EventRecorder } from "../kube/events.js";
import type { NodeInformer } from "../kube/informer.js";
import type { NodeWriter } from "../kube/node-writes.js";
import { WorkQueue } from "../kube/queue.js";
import type { InventoryView } from "../inventory/types.js";
import type { Logger } from "../log.js";
import { isUninitialized, nodeFacts } from "./facts.js";
import { WaitSummary } from "./wait-summary.js";

export interface InitDeps {
  informer: NodeInformer;
  view: InventoryView;
  writer: NodeWriter;
  recorder: EventRecorder;
  log: Logger;
  opts: () => InitOptions;
  workers?: number;
  onResult?: (result: "initialized" | "pending" | "skipped") => void;
  /** Called for every sync that throws (it is retried with backoff). */
  onSyncError?: () => void;
}

export class InitController {
  readonly queue: WorkQueue;
  private readonly lastReason = new Map<string, string>();
  private readonly warmUp: WaitSummary;

  constructor(private readonly d: InitDeps) {
    this.warmUp = new WaitSummary(d.log);
    this.queue = new WorkQueue((name) => this.sync(name), {
      workers: d.workers ?? 4,
      onError: (key, err, n) => {
        d.onSyncError?.();
        d.log.error("node initialization failed", { node: key, retries: n, err });
      },
    });
  }

  /** Names of nodes still waiting, to retry them when the inventory changes. */
  pending(): string[] {
    return this.d.informer
      .list()
      .filter(isUninitialized)
      .map((n) => n.metadata?.name ?? "");
  }

  async sync(name: string): Promise<void> {
    const node = this.d.informer.get(name);
    if (!node || !isUninitialized(node)) {
      this.lastReason.delete(name);
      this.d.onResult?.("skipped");
      return;
    }
    const plan = planNodeInit(nodeFacts(node), this.d.view, this.d.opts());
    if ("reason" in plan) {
      this.d.onResult?.("pending");
      if (this.lastReason.get(name) === plan.reason) return;
      this.lastReason.set(name, plan.reason);
      if (plan.waitingFor) return this.warmUp.note(plan.waitingFor, name, plan.reason);
      this.d.log.info("node not initialized yet", { node: name, reason: plan.reason });
      await this.d.recorder.record(node, "Warning", EventReason.InitializationPending, plan.reason);
      return;
    }
    const p = plan.patch;
    // Addresses first, so the Node has them before the taint goes; the second write starts from
    // the node the first one returned, so neither needs a GET in the common case.
    // The plan's addresses are final (order and --node-ip applied from this node's own).
    const written = await this.d.writer.setAddresses(name, () => p.addresses, node);
    await this.d.writer.initialize(
      name,
      { providerID: p.providerID, labels: p.labels, removeTaints: [TAINT_UNINITIALIZED] },
      written ?? node,
    );
    this.lastReason.delete(name);
    this.d.onResult?.("initialized");
    const summary = `VM ${plan.vm.vcenter}/${plan.vm.name} matched by ${plan.how}; providerID ${p.providerID}`;
    this.d.log.info("node initialized", {
      node: name,
      vm: plan.vm.name,
      vcenter: plan.vm.vcenter,
      how: plan.how,
      providerID: p.providerID,
    });
    await this.d.recorder.record(node, "Normal", EventReason.Initialized, summary);
  }
}
