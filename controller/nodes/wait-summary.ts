// One log line for a warm-up wait, not one per Node. While the controller's own caches fill (the
// inventory not synced, tags not read yet: every start), every pending Node is planned and waits
// for the same reason; at 10,000 Nodes a line per Node would be 10,000 lines saying one thing.
// Nodes noted within one window are counted and logged as one line per kind of wait, with one
// example; each Node's own reason stays available at --v=4.
import type { WaitingFor } from "../cloud/plan-init.js";
import type { Logger } from "../log.js";

export class WaitSummary {
  private readonly waiting = new Map<WaitingFor, { nodes: Set<string>; example: string }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly windowMs = 1000,
  ) {}

  note(kind: WaitingFor, node: string, reason: string): void {
    this.log.v(4, "node not initialized yet", { node, reason });
    const w = this.waiting.get(kind);
    if (w) w.nodes.add(node);
    else this.waiting.set(kind, { nodes: new Set([node]), example: `${node}: ${reason}` });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Logs what was noted since the last flush (one line per kind) and starts a new window. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [kind, w] of this.waiting) {
      this.log.info("nodes not initialized yet: waiting for the controller's own caches", {
        waitingFor: kind,
        nodes: w.nodes.size,
        example: w.example,
      });
    }
    this.waiting.clear();
  }
}
