import { describe, expect, it } from "vitest";
import { WorkQueue } from "./queue.js";

describe("WorkQueue", () => {
  it("de-duplicates keys queued before a worker picks them up", async () => {
    const seen: string[] = [];
    const q = new WorkQueue((k) => Promise.resolve(void seen.push(k)), { workers: 1 });
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    q.start();
    await q.drained();
    await q.stop();
    expect(seen).toEqual(["a", "b"]);
  });

  it("re-runs a key added while it was being processed, once, after it finishes", async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      async (k) => {
        seen.push(k);
        if (seen.length === 1) await gate;
      },
      { workers: 2 },
    );
    q.start();
    q.add("a");
    await new Promise((r) => setTimeout(r, 10));
    q.add("a");
    q.add("a");
    release();
    await q.drained();
    await q.stop();
    expect(seen).toEqual(["a", "a"]);
  });

  it("retries failures with a growing retry count and forgets it after a success", async () => {
    const times: number[] = [];
    const errors: number[] = [];
    const q = new WorkQueue(
      () => {
        times.push(Date.now());
        return times.length < 3 ? Promise.reject(new Error("not yet")) : Promise.resolve();
      },
      { workers: 1, baseDelayMs: 20, onError: (_k, _e, n) => errors.push(n) },
    );
    q.start();
    q.add("a");
    await q.drained();
    await q.stop();
    expect(times).toHaveLength(3);
    expect(errors).toEqual([1, 2]);
  });
});
