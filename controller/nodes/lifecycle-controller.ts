// Applies planLifecycle: shutdown taint on/off and Node deletion. Only the leader runs it.
import { TAINT_SHUTDOWN, EventReason } from "../constants.js";
import type { EventRecorder } from "../kube/events.js";
import type { NodeInformer } from "../kube/informer.js";
import type { NodeWriter } from "../kube/node-writes.js";
import { WorkQueue } from "../kube/queue.js";
import type { InventoryView } from "../inventory/types.js";
import { planLifecycle, type LifecycleOptions } from "../lifecycle/plan.js";
import type { Logger } from "../log.js";
import { lifecycleNode } from "./facts.js";

export interface LifecycleDeps {
  informer: NodeInformer;
  view: InventoryView;
  writer: NodeWriter;
  recorder: EventRecorder;
  log: Logger;
  opts: LifecycleOptions;
  onSync?: (result: string) => void;
  /** Called for every sync that throws (it is retried with backoff). */
  onSyncError?: () => void;
}

export class LifecycleController {
  readonly queue: WorkQueue;
  private readonly lastReason = new Map<string, string>();

  constructor(private readonly d: LifecycleDeps) {
    this.queue = new WorkQueue((name) => this.sync(name), {
      workers: 2,
      onError: (key, err, n) => {
        d.onSyncError?.();
        d.log.error("lifecycle sync failed", { node: key, retries: n, err });
      },
    });
  }

  async sync(name: string): Promise<void> {
    const node = this.d.informer.get(name);
    if (!node) return;
    const plan = planLifecycle(lifecycleNode(node), this.d.view, this.d.opts);
    if (this.lastReason.get(name) !== plan.reason) {
      this.lastReason.set(name, plan.reason);
      this.d.log.v(plan.action === "none" ? 4 : 2, "lifecycle", {
        node: name,
        action: plan.action,
        reason: plan.reason,
      });
    }
    this.d.onSync?.(plan.action);
    switch (plan.action) {
      case "none":
        return;
      case "taint-shutdown":
        if (await this.d.writer.addTaint(name, { key: TAINT_SHUTDOWN, effect: "NoSchedule" }, node)) {
          await this.d.recorder.record(node, "Normal", EventReason.ShutdownTaintAdded, plan.reason);
        }
        return;
      case "untaint-shutdown":
        if (await this.d.writer.removeTaint(name, TAINT_SHUTDOWN, node)) {
          await this.d.recorder.record(node, "Normal", EventReason.ShutdownTaintRemoved, plan.reason);
        }
        return;
      case "delete":
        await this.d.recorder.record(node, "Normal", EventReason.DeletingNode, plan.reason).catch(() => {});
        if ((await this.d.writer.delete(name, node.metadata?.uid)) === "replaced")
          this.d.log.info("node re-registered since the decision; not deleted", { node: name });
        else this.d.log.info("deleted node", { node: name, reason: plan.reason });
        return;
      default: {
        const never: never = plan;
        throw new Error(`unknown lifecycle action ${JSON.stringify(never)}`);
      }
    }
  }
}
