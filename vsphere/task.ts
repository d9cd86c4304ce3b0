// Waiting for a vCenter Task to finish, and turning its failure into the typed fault.
//
// Cost, in SOAP calls: most tasks this project starts (rename, destroy of a folder, reconfigure)
// end in well under a second, so we first read `info` a few times at a short backoff
// (DEFAULT_POLL_SCHEDULE_MS: reads at 0, 0.1, 0.3, 0.7 and 1.5 s): a quick task costs one to five
// RetrievePropertiesEx calls (vcsim's tasks: one). A task still running after that is watched with
// a property filter instead of polled: CreatePropertyCollector + CreateFilter + one
// WaitForUpdatesEx per change of state (or per minute of silence) + DestroyPropertyCollector, so a
// ten-minute clone costs about fifteen calls, not six hundred.
import { TransportError, VimFault, vimFault, VsphereError } from "./errors.js";
import { objectProperties, watch } from "./property.js";
import { asObject, asString, type Decoded } from "./soap/codec.js";
import type { VsphereSession } from "./session.js";
import type { MoRef } from "./types.js";

export type TaskState = "queued" | "running" | "success" | "error";

/** Reads before switching to a property filter, as delays from the previous read. */
export const DEFAULT_POLL_SCHEDULE_MS: readonly number[] = [0, 100, 200, 400, 800];

const INFO_PATHS = ["info.state", "info.error", "info.result"];

export interface WaitForTaskOptions {
  /** Aborts the wait (not the task: vCenter keeps running it). */
  signal?: AbortSignal;
  /** Gives up after this long with TaskTimeoutError; unset: wait as long as the task runs. */
  timeoutMs?: number;
  /** The method that started the task, for messages and VimFault.method (e.g. "Rename_Task"). */
  method?: string;
  /** Delays of the polling phase; `[]` goes straight to the property filter (long tasks, tests). */
  pollScheduleMs?: readonly number[];
}

/** The task did not finish within timeoutMs. It may still be running in vCenter. */
export class TaskTimeoutError extends VsphereError {
  override name = "TaskTimeoutError";
  constructor(
    readonly task: MoRef,
    readonly method: string,
    readonly lastState: TaskState | undefined,
    readonly timeoutMs: number,
  ) {
    super(`${method}: task ${task.value} still ${lastState ?? "unknown"} after ${timeoutMs} ms`);
  }
}

interface TaskSnapshot {
  state?: TaskState;
  error?: Decoded;
  result?: Decoded;
}

const TASK_STATES = new Set<string>(["queued", "running", "success", "error"]);

function snapshotOf(props: Record<string, Decoded | undefined>, into: TaskSnapshot = {}): TaskSnapshot {
  if ("info.state" in props) {
    const s = asString(props["info.state"]);
    into.state = s && TASK_STATES.has(s) ? (s as TaskState) : undefined;
  }
  if ("info.error" in props) into.error = props["info.error"] ?? undefined;
  if ("info.result" in props) into.result = props["info.result"] ?? undefined;
  return into;
}

/**
 * The typed fault of a task's LocalizedMethodFault (`info.error`): DuplicateName becomes a
 * DuplicateNameFault and so on, with the fault's fields as `detail`.
 */
export function taskFault(method: string, task: MoRef, localized: Decoded | undefined): VimFault {
  const lmf = asObject(localized);
  const fields = asObject(lmf?.fault) ?? {};
  const name = fields._type ?? "SystemError";
  const text = asString(lmf?.localizedMessage);
  return vimFault(
    name,
    `${method}: task ${task.value} failed: vCenter fault ${name}${text ? `: ${text}` : ""}`,
    method,
    { ...fields },
  );
}

/** Done: the result (null when the task has none); failed: throws; still running: undefined. */
function settle(method: string, task: MoRef, snap: TaskSnapshot): { result: Decoded } | undefined {
  if (snap.state === "success") return { result: snap.result ?? null };
  if (snap.state === "error") throw taskFault(method, task, snap.error);
  return undefined;
}

async function pollPhase(
  session: VsphereSession,
  task: MoRef,
  method: string,
  schedule: readonly number[],
  last: TaskSnapshot,
  signal: AbortSignal | undefined,
): Promise<{ result: Decoded } | undefined> {
  for (const delay of schedule) {
    if (delay > 0) await sleep(delay, signal, method);
    const read = snapshotOf(await objectProperties(session, task, INFO_PATHS, signal));
    Object.assign(last, { state: undefined, error: undefined, result: undefined }, read);
    if (last.state === undefined) throw new Error(`${method}: task ${task.value} has no info.state`);
    const done = settle(method, task, last);
    if (done) return done;
  }
  return undefined;
}

async function watchPhase(
  session: VsphereSession,
  task: MoRef,
  method: string,
  last: TaskSnapshot,
  signal: AbortSignal | undefined,
): Promise<{ result: Decoded } | undefined> {
  const feed = watch(session, { props: [{ type: "Task", pathSet: INFO_PATHS }], source: { obj: task } }, { signal });
  for await (const batch of feed) {
    for (const u of batch.updates) {
      if (u.kind === "leave") throw new Error(`${method}: task ${task.value} vanished before it finished`);
      snapshotOf(Object.fromEntries(u.changes.map((c) => [c.path, c.value])), last);
    }
    const done = settle(method, task, last);
    if (done) return done; // leaving the loop destroys the filter's collector
  }
  return undefined; // the signal aborted the feed
}

function sleep(ms: number, signal: AbortSignal | undefined, method: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TransportError(`${method}: aborted`, "aborted"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TransportError(`${method}: aborted`, "aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Waits until `task` ends. Resolves with `info.result` (null for tasks without one); rejects with
 * the task's fault as a typed VimFault, with TaskTimeoutError after `timeoutMs`, or with
 * TransportError("aborted") when the caller's signal aborts. Neither a timeout nor an abort
 * cancels the task itself.
 */
export async function waitForTask(
  session: VsphereSession,
  task: MoRef,
  opts: WaitForTaskOptions = {},
): Promise<Decoded> {
  const method = opts.method ?? "task";
  const timeout = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
  const signals = [opts.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const last: TaskSnapshot = {}; // what we last saw, for TaskTimeoutError
  try {
    if (signal?.aborted) throw new TransportError(`${method}: aborted`, "aborted");
    const schedule = opts.pollScheduleMs ?? DEFAULT_POLL_SCHEDULE_MS;
    const polled = await pollPhase(session, task, method, schedule, last, signal);
    if (polled) return polled.result;
    const watched = await watchPhase(session, task, method, last, signal);
    if (watched) return watched.result;
    throw new TransportError(`${method}: aborted`, "aborted");
  } catch (err) {
    if (timeout?.aborted && !opts.signal?.aborted && !(err instanceof VimFault)) {
      throw new TaskTimeoutError(task, method, last.state, opts.timeoutMs ?? 0);
    }
    throw err;
  }
}
