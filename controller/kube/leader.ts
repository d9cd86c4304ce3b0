// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics and upstream
// CCM's defaults (kube-system/cloud-controller-manager, 15 s lease, 10 s renew deadline, 2 s
// retry), so this CCM and the upstream one never lead at the same time. Expiry is judged by
// when *this* process last saw the record change, not by the holder's clock.
//
// One writer: a term ends at the latest `renewDeadline` after the *start* of the last successful
// renewal (so before any standby can take the Lease: it waits a full lease duration after the last
// renewal it saw). The end is a timer that aborts the term's signal, which every write of the
// controllers carries (kube/call.ts): requests in flight are aborted, later ones are refused
// before they are sent. A process frozen past its deadline (SIGSTOP, a stalled VM) runs that
// timer first when it wakes (timers run before I/O callbacks), so it writes nothing more.
import type { KubeConfig, V1Lease } from "@kubernetes/client-node";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { bindValidity, kubeCall } from "./call.js";

export interface LeaderOptions {
  name: string;
  namespace: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export const LEADER_DEFAULTS: Omit<LeaderOptions, "identity"> = {
  name: "cloud-controller-manager",
  namespace: "kube-system",
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
};

export interface LeaderCallbacks {
  /** Called on becoming leader; the signal aborts when leadership is lost or the elector stops. */
  onStartedLeading(signal: AbortSignal): void;
  /** Awaited before campaigning again, so a new term never overlaps the old one's shutdown. */
  onStoppedLeading?(why: string): void | Promise<void>;
  onNewLeader?(identity: string): void;
  /** Every failed renewal while leading, with its cause and the time left to the deadline. */
  onRenewFailed?(err: unknown, msLeft: number): void;
}

/**
 * Lease times are MicroTime: the apiserver insists on six fractional digits, and the client's
 * serializer writes Date.toISOString()'s three (a 400 "cannot parse .875Z as .000000").
 */
export class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
  }
  override toJSON(): string {
    return this.toISOString();
  }
}

const status = (err: unknown): number | undefined => (err as { code?: number })?.code;

/** client-go's checks (leaderelection.NewLeaderElector): the one-writer guarantee rests on them. */
export function checkLeaderOptions(o: LeaderOptions): void {
  if (!(o.leaseDurationSeconds > o.renewDeadlineSeconds)) {
    throw new Error(
      `--leader-elect-lease-duration (${o.leaseDurationSeconds}s) must be greater than --leader-elect-renew-deadline (${o.renewDeadlineSeconds}s)`,
    );
  }
  if (!(o.renewDeadlineSeconds > 1.2 * o.retryPeriodSeconds)) {
    throw new Error(
      `--leader-elect-renew-deadline (${o.renewDeadlineSeconds}s) must be greater than 1.2 x --leader-elect-retry-period (${o.retryPeriodSeconds}s)`,
    );
  }
}

class RenewalFailed extends Error {
  override name = "RenewalFailed";
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private observed?: { holder: string; renewTime: string; at: number };
  isLeader = false;

  constructor(
    kc: KubeConfig,
    readonly opts: LeaderOptions,
  ) {
    checkLeaderOptions(opts);
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  /** Tries once to acquire or renew; true when this process holds the lease afterwards. */
  async tryAcquireOrRenew(signal?: AbortSignal, now: Date = new MicroTime()): Promise<boolean> {
    const { name, namespace, identity, leaseDurationSeconds, renewDeadlineSeconds } = this.opts;
    const call = { timeoutMs: renewDeadlineSeconds * 1000 };
    const stamp = now.toISOString();
    let lease: V1Lease | undefined;
    try {
      lease = await kubeCall("read Lease", signal, (o) => this.api.readNamespacedLease({ name, namespace }, o), call);
    } catch (err) {
      if (status(err) !== 404) throw err;
    }
    if (!lease) {
      const body = {
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      };
      await kubeCall("create Lease", signal, (o) => this.api.createNamespacedLease({ namespace, body }, o), call);
      this.observed = { holder: identity, renewTime: stamp, at: Date.now() };
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const renew = spec.renewTime ? new Date(spec.renewTime).toISOString() : "";
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renew) {
      this.observed = { holder, renewTime: renew, at: Date.now() };
    }
    const expired = this.observed.at + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < Date.now();
    if (holder && holder !== identity && !expired) return false;
    const takeover = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: now,
      acquireTime: takeover || !spec.acquireTime ? now : new MicroTime(spec.acquireTime),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (takeover ? 1 : 0),
    };
    try {
      // resourceVersion guards races
      await kubeCall(
        "update Lease",
        signal,
        (o) => this.api.replaceNamespacedLease({ name, namespace, body: lease }, o),
        call,
      );
    } catch (err) {
      if (status(err) === 409) return false;
      throw err;
    }
    this.observed = { holder: identity, renewTime: stamp, at: Date.now() };
    return true;
  }

  /** Campaigns until the signal aborts; leads while renewals succeed within the renew deadline. */
  async run(cb: LeaderCallbacks, signal: AbortSignal): Promise<void> {
    const retryMs = this.opts.retryPeriodSeconds * 1000;
    let lastHolder = "";
    while (!signal.aborted) {
      const started = Date.now();
      const got = await this.tryAcquireOrRenew(signal).catch(() => false);
      const holder = this.observed?.holder ?? "";
      if (holder && holder !== lastHolder) {
        lastHolder = holder;
        cb.onNewLeader?.(holder);
      }
      if (got) await this.lead(cb, signal, started);
      else await sleep(retryMs, undefined, { signal }).catch(() => {});
    }
  }

  /**
   * One term. `renewedAt`: when the successful acquisition was *sent* (the apiserver stamped it
   * later, so the term's deadline errs early, never late).
   */
  private async lead(cb: LeaderCallbacks, signal: AbortSignal, renewedAt: number): Promise<void> {
    const deadlineMs = this.opts.renewDeadlineSeconds * 1000;
    const term = new AbortController();
    let deadline: NodeJS.Timeout | undefined;
    let last = renewedAt;
    const arm = (from: number) => {
      last = from;
      clearTimeout(deadline);
      deadline = setTimeout(
        () => term.abort(new RenewalFailed(`Lease not renewed within the renew deadline (${deadlineMs / 1000} s)`)),
        Math.max(0, from + deadlineMs - Date.now()),
      );
    };
    bindValidity(term.signal, () => last + deadlineMs);
    const stop = () => term.abort(new Error("elector stopped"));
    signal.addEventListener("abort", stop, { once: true });
    arm(renewedAt);
    this.isLeader = true;
    cb.onStartedLeading(term.signal);
    try {
      while (!term.signal.aborted) {
        await sleep(this.opts.retryPeriodSeconds * 1000, undefined, { signal: term.signal }).catch(() => {});
        if (term.signal.aborted) break;
        const started = Date.now();
        try {
          if (await this.tryAcquireOrRenew(term.signal)) arm(started);
          else term.abort(new RenewalFailed(`Lease taken by ${this.observed?.holder ?? "another replica"}`));
        } catch (err) {
          // Reported also when the deadline cut it short (a hung apiserver): that is its cause.
          if (!signal.aborted) cb.onRenewFailed?.(err, last + deadlineMs - Date.now());
        }
      }
    } finally {
      clearTimeout(deadline);
      this.isLeader = false;
      signal.removeEventListener("abort", stop);
      term.abort(new Error("term ended"));
      const why = term.signal.reason instanceof Error ? term.signal.reason.message : String(term.signal.reason);
      await cb.onStoppedLeading?.(why);
    }
  }

  /** Gives the lease up (on clean shutdown) so a standby takes over at once. */
  async release(signal?: AbortSignal): Promise<void> {
    const { name, namespace, identity } = this.opts;
    try {
      const lease = await kubeCall("read Lease", signal, (o) => this.api.readNamespacedLease({ name, namespace }, o), {
        timeoutMs: 5000,
      });
      if (lease.spec?.holderIdentity !== identity) return;
      const acquireTime = lease.spec.acquireTime ? new MicroTime(lease.spec.acquireTime) : undefined;
      lease.spec = {
        ...lease.spec,
        holderIdentity: "",
        acquireTime,
        renewTime: new MicroTime(0),
        leaseDurationSeconds: 1,
      };
      await kubeCall(
        "release Lease",
        signal,
        (o) => this.api.replaceNamespacedLease({ name, namespace, body: lease }, o),
        {
          timeoutMs: 5000,
        },
      );
    } catch {
      // Best effort: the lease expires on its own.
    }
  }
}
