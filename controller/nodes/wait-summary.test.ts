import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../log.js";
import { WaitSummary } from "./wait-summary.js";

describe("WaitSummary", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const capture = (verbosity: number) => {
    const lines: Record<string, unknown>[] = [];
    return {
      lines,
      log: createLogger({ verbosity, write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }),
    };
  };

  it("logs one line per kind of wait for 10,000 waiting Nodes, counting each Node once", () => {
    vi.useFakeTimers();
    const { lines, log } = capture(2);
    const w = new WaitSummary(log, 1000);
    for (let i = 0; i < 10_000; i++) w.note("inventory", `n-${i}`, "inventory not synced");
    w.note("inventory", "n-0", "inventory not synced"); // again: still one Node
    for (let i = 0; i < 3; i++) w.note("tags", `t-${i}`, `tags of host h${i} not read yet`);
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(lines.map((l) => [l.waitingFor, l.nodes, l.example])).toEqual([
      ["inventory", 10_000, "n-0: inventory not synced"],
      ["tags", 3, "t-0: tags of host h0 not read yet"],
    ]);
    // A later wait starts a new window (e.g. after a reconnect).
    w.note("inventory", "n-1", "inventory not synced (vc1: down)");
    vi.advanceTimersByTime(1000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ waitingFor: "inventory", nodes: 1 });
  });

  it("keeps each Node's reason at --v=4", () => {
    const { lines, log } = capture(4);
    const w = new WaitSummary(log, 1000);
    w.note("tags", "a", "tags of host h not read yet");
    w.flush();
    expect(lines.map((l) => l.msg)).toEqual([
      "node not initialized yet",
      "nodes not initialized yet: waiting for the controller's own caches",
    ]);
  });
});
