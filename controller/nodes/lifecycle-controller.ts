// Applies planLifecycle: shutdown taint on/off and Node deletion. Only the leader runs it, with
// a writer and recorder bound to its term's signal. A deletion is the plan's candidate confirmed
// by a direct lookup on every vCenter (lifecycle/proof.ts), then a delete conditional on the
// Node's uid and resourceVersion as decided on.
import type { V1Node } from "@kubernetes/client-node";
import { TAINT_SHUTDOWN, EventReason } from "../constants.js";
import type { EventRecorder } from "../kube/events.js";
import type { NodeInformer } from "../kube/informer.js";
import type { NodeWriter } from "../kube/node-writes.js";
import { WorkQueue } from "../kube/queue.js";
import type { LifecycleView } from "../inventory/types.js";
import { planLifecycle, type LifecycleAction, type LifecycleOptions } from "../lifecycle/plan.js";
import type { AbsenceProof } from "../lifecycle/proof.js";
import type { Logger } from "../log.js";
import { lifecycleNode } from "./facts.js";

export interface LifecycleDeps {
  informer: NodeInformer;
  view: LifecycleView;
  writer: NodeWriter;
  recorder: EventRecorder;
  log: Logger;
  opts: LifecycleOptions;
  /** Asks every vCenter directly whether a VM with this UUID exists. */
  confirmAbsent: (uuid: string, signal: AbortSignal) => Promise<AbsenceProof>;
  /** The leader's term: aborts lookups in flight when leadership ends. */
  signal: AbortSignal;
  /** When a deletion could not be proven, look again after this long (default 10 s). */
  reproveAfterMs?: number;
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

  /** Logs a reason (and records a Warning Event when it asks for an operator) once per change. */
  private async report(node: V1Node, name: string, plan: { action: string; reason: string }, warn: boolean) {
    if (this.lastReason.get(name) === plan.reason) return;
    this.lastReason.set(name, plan.reason);
    if (warn) this.d.log.error("lifecycle", { node: name, action: plan.action, reason: plan.reason });
    else
      this.d.log.v(plan.action === "none" ? 4 : 2, "lifecycle", {
        node: name,
        action: plan.action,
        reason: plan.reason,
      });
    if (warn) await this.d.recorder.record(node, "Warning", EventReason.LifecycleBlocked, plan.reason);
  }

  async sync(name: string): Promise<void> {
    const node = this.d.informer.get(name);
    if (!node) return;
    const facts = lifecycleNode(node);
    const plan = planLifecycle(facts, this.d.view, this.d.opts);
    const blocked = plan.action === "none" && !!plan.blocked && facts.ready !== true;
    // A deletion candidate is reported with what its proof found (deleteOnProof), so a Node whose
    // proof keeps failing logs that once, not the candidate and the failure by turns.
    if (plan.action !== "delete") await this.report(node, name, plan, blocked);
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
        return this.deleteOnProof(name, node, plan);
      default: {
        const never: never = plan;
        throw new Error(`unknown lifecycle action ${JSON.stringify(never)}`);
      }
    }
  }

  private async deleteOnProof(name: string, node: V1Node, plan: Extract<LifecycleAction, { action: "delete" }>) {
    const proof = await this.d.confirmAbsent(plan.uuid, this.d.signal);
    // The lookup took time: the inventory must still allow the decision on the same Node copy.
    const again = planLifecycle(lifecycleNode(node), this.d.view, this.d.opts);
    if (!proof.absent || again.action !== "delete") {
      const reason = proof.absent ? again.reason : proof.reason;
      await this.report(node, name, { action: "none", reason }, !proof.absent);
      this.queue.addAfter(name, this.d.reproveAfterMs ?? 10_000);
      return;
    }
    const message = `${plan.reason}; ${proof.checked}`;
    await this.d.recorder.record(node, "Normal", EventReason.DeletingNode, message).catch(() => {});
    const { uid, resourceVersion } = node.metadata ?? {};
    const result = await this.d.writer.delete(name, { uid, resourceVersion });
    if (result === "changed") this.d.log.info("node changed since the decision; deciding again", { node: name });
    else this.d.log.info("deleted node", { node: name, reason: plan.reason, checked: proof.checked });
  }
}
