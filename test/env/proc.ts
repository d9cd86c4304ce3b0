// Background processes owned by a run directory: started detached with a PID file and a log,
// stopped by exactly that PID (after checking it is still the same program), so `down` never
// touches a process this project did not start.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface ProcSpec {
  /** Short name: PID file <dir>/<name>.pid, log <dir>/<name>.log. */
  name: string;
  command: string;
  args: string[];
  /** Directory holding the PID file and the log. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProcInfo {
  name: string;
  pid: number;
  logFile: string;
}

export const pidFile = (dir: string, name: string) => join(dir, `${name}.pid`);
export const logFile = (dir: string, name: string) => join(dir, `${name}.log`);

export async function tailFile(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, "utf8");
    return text
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  } catch {
    return "(no log)";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The executable of a live PID, read from /proc; undefined when the PID is gone. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
  } catch {
    return undefined;
  }
}

interface PidRecord {
  pid: number;
  command: string;
}

export function readPid(dir: string, name: string): PidRecord | undefined {
  const f = pidFile(dir, name);
  if (!existsSync(f)) return undefined;
  try {
    const rec = JSON.parse(readFileSync(f, "utf8")) as PidRecord;
    return typeof rec.pid === "number" ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** Running means: the PID file names a live process that still runs the command we started. */
export function running(dir: string, name: string): number | undefined {
  const rec = readPid(dir, name);
  if (!rec || !alive(rec.pid)) return undefined;
  return commandOf(rec.pid) === rec.command ? rec.pid : undefined;
}

export async function startProc(spec: ProcSpec): Promise<ProcInfo> {
  const log = logFile(spec.dir, spec.name);
  const fd = openSync(log, "a");
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? spec.dir,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("error", (err) => reject(new Error(`${spec.name}: cannot start ${spec.command}: ${err.message}`)));
    child.once("spawn", () => resolve(child.pid as number));
  });
  child.unref();
  await writeFile(pidFile(spec.dir, spec.name), JSON.stringify({ pid, command: spec.command }));
  return { name: spec.name, pid, logFile: log };
}

/** Stops the process named by the PID file (SIGTERM, then SIGKILL after graceMs); idempotent. */
export async function stopProc(dir: string, name: string, graceMs = 10_000): Promise<boolean> {
  const pid = running(dir, name);
  await rm(pidFile(dir, name), { force: true }).catch(() => {});
  if (pid === undefined) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the process group: the engine and anything it forked
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) signal("SIGKILL");
  while (alive(pid)) await sleep(20);
  return true;
}

/**
 * Polls `probe` until it resolves true; fails with the tail of the log when the process dies or
 * the deadline passes, so a half-started engine says why.
 */
export async function waitReady(
  info: ProcInfo,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  dir: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (running(dir, info.name) === undefined) {
      throw new Error(
        `${info.name} exited during start-up; last lines of ${info.logFile}:\n${await tailFile(info.logFile)}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new Error(
    `${info.name} not ready after ${timeoutMs / 1000} s (${lastError || "probe said not ready"}); last lines of ${info.logFile}:\n${await tailFile(info.logFile)}`,
  );
}
