import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readPid, running, startProc, stopProc, waitReady } from "./proc.js";

describe("background processes", () => {
  let dir: string;
  afterEach(async () => {
    await stopProc(dir, "sleeper", 1000);
    await rm(dir, { recursive: true, force: true });
  });

  it("starts a process with a PID file and stops exactly it, idempotently", async () => {
    dir = await mkdtemp(join(tmpdir(), "proc-"));
    const info = await startProc({ name: "sleeper", command: "sleep", args: ["30"], dir });
    expect(running(dir, "sleeper")).toBe(info.pid);
    expect(await stopProc(dir, "sleeper")).toBe(true);
    expect(running(dir, "sleeper")).toBeUndefined();
    expect(readPid(dir, "sleeper")).toBeUndefined();
    expect(await stopProc(dir, "sleeper")).toBe(false);
  });

  it("reports a process that dies during start-up with the tail of its log", async () => {
    dir = await mkdtemp(join(tmpdir(), "proc-"));
    const info = await startProc({
      name: "sleeper",
      command: "sh",
      args: ["-c", "echo boom-from-engine; exit 3"],
      dir,
    });
    await expect(waitReady(info, () => Promise.resolve(false), 5000, dir)).rejects.toThrow(
      /exited during start-up[\s\S]*boom-from-engine/,
    );
  });

  it("does not treat a recycled PID running another program as ours", async () => {
    dir = await mkdtemp(join(tmpdir(), "proc-"));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(dir, "sleeper.pid"), JSON.stringify({ pid: process.pid, command: "/not/our/engine" }));
    expect(running(dir, "sleeper")).toBeUndefined();
    expect(await stopProc(dir, "sleeper")).toBe(false);
  });
});
