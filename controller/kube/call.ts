// One way to call the Kubernetes API: every request carries its caller's AbortSignal and a
// timeout. @kubernetes/client-node 1.x sends through node-fetch, which honours the RequestContext's
// signal (RequestContext.setSignal) for the request and the body read; the generated methods take
// per-call ConfigurationOptions, so a middleware whose `pre` sets the signal reaches any call,
// next to other per-call options (the merge-patch Content-Type). Without this a hung apiserver
// holds a call, and whatever waits on it, forever.
// (The object-parameter API, the one `makeApiClient` returns, takes the Observable flavour of
// middleware: `pre` returns the library's own Observable, as setHeaderOptions' does.)
import {
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";

/** Default deadline of one Kubernetes request (reads and writes; lists and watches have their own). */
export const KUBE_CALL_TIMEOUT_MS = 30_000;

/** The request got no complete answer within its timeout. */
export class KubeTimeoutError extends Error {
  override name = "KubeTimeoutError";
}

/** The caller's signal aborted the request (leadership lost, shutdown, the HTTP client went away). */
export class KubeAbortedError extends Error {
  override name = "KubeAbortedError";
}

/** Wall-clock ends of validity of signals (a leader's term), checked again at send time. */
const validity = new WeakMap<AbortSignal, () => number>();

/**
 * Declares that requests carrying `signal` may be sent only until `until()` (ms since epoch). The
 * signal's own abort (a timer) normally comes first; this check does not depend on timer order
 * after the process was frozen (SIGSTOP, a paused VM) and wakes past the deadline.
 */
export function bindValidity(signal: AbortSignal, until: () => number): void {
  validity.set(signal, until);
}

export interface KubeCallOptions {
  timeoutMs?: number;
  /** Other per-call options (e.g. setHeaderOptions(...)); their middleware runs first. */
  options?: ConfigurationOptions;
}

/**
 * Runs `fn` with options that bind its request to `signal` and a timeout. An aborted or timed-out
 * request rejects with KubeAbortedError / KubeTimeoutError (cause: the library's error); an
 * already-aborted signal rejects before anything is sent. HTTP errors propagate unchanged.
 */
export async function kubeCall<T>(
  what: string,
  signal: AbortSignal | undefined,
  fn: (options: ConfigurationOptions) => Promise<T>,
  o: KubeCallOptions = {},
): Promise<T> {
  const timeoutMs = o.timeoutMs ?? KUBE_CALL_TIMEOUT_MS;
  if (signal?.aborted) throw new KubeAbortedError(`${what}: aborted before it was sent`, { cause: signal.reason });
  const until = signal ? validity.get(signal) : undefined;
  const expired = () => until !== undefined && Date.now() > until();
  if (expired()) throw new KubeAbortedError(`${what}: not sent, its term ended`);
  const timer = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timer]) : timer;
  const bind: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      // Checked again at send time: the signal may have aborted while the request was built.
      if (combined.aborted || expired())
        return new Observable(Promise.reject(new KubeAbortedError(`${what}: aborted before it was sent`)));
      ctx.setSignal(combined);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
  const options: ConfigurationOptions = {
    ...o.options,
    middleware: [...(o.options?.middleware ?? []), bind],
    middlewareMergeStrategy: "append",
  };
  try {
    return await fn(options);
  } catch (err) {
    if (signal?.aborted || expired()) throw new KubeAbortedError(`${what}: aborted`, { cause: err });
    if (timer.aborted) throw new KubeTimeoutError(`${what}: no answer within ${timeoutMs} ms`, { cause: err });
    throw err;
  }
}
