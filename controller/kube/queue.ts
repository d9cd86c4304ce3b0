// A de-duplicating, rate-limited work queue keyed by name, like client-go's workqueue: a key is
// queued at most once; a key being processed that is added again is re-queued after it
// finishes; failures retry with per-key exponential backoff; success forgets the backoff.

export interface QueueOptions {
  /** Parallel workers. */
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, err: unknown, retries: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private waiters: (() => void)[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(
    private readonly sync: (key: string) => Promise<void>,
    private readonly opts: QueueOptions = {},
  ) {}

  /** Queued plus in-flight keys (for the queue-depth metric). */
  get depth(): number {
    return this.queued.size + this.processing.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    t.unref();
    this.timers.set(key, t);
  }

  private backoff(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return Math.min((this.opts.baseDelayMs ?? 200) * 2 ** (n - 1), this.opts.maxDelayMs ?? 60_000);
  }

  start(): void {
    for (let i = 0; i < (this.opts.workers ?? 2); i++) this.running.push(this.worker());
  }

  private async next(): Promise<string | undefined> {
    while (!this.stopped && this.queue.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.stopped) return undefined;
    const key = this.queue.shift() as string;
    this.queued.delete(key);
    return key;
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === undefined) return;
      this.processing.add(key);
      try {
        await this.sync(key);
        this.failures.delete(key);
      } catch (err) {
        const delay = this.backoff(key);
        this.opts.onError?.(key, err, this.failures.get(key) ?? 0);
        this.addAfter(key, delay);
      } finally {
        this.processing.delete(key);
        if (this.dirtyWhileProcessing.delete(key)) this.add(key);
      }
    }
  }

  /** Resolves when nothing is queued, in flight or scheduled (for tests and shutdown). */
  async drained(pollMs = 10): Promise<void> {
    while (this.depth > 0 || this.timers.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(this.running);
  }
}
