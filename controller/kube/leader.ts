// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics and upstream
// CCM's defaults (kube-system/cloud-controller-manager, 15 s lease, 10 s renew deadline, 2 s
// retry), so this CCM and the upstream one never lead at the same time. Expiry is judged by
// when *this* process last saw the record change, not by the holder's clock.
import type { KubeConfig, V1Lease } from "@kubernetes/client-node";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";

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
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
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

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private observed?: { holder: string; renewTime: string; at: number };
  isLeader = false;

  constructor(
    kc: KubeConfig,
    readonly opts: LeaderOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  /** Tries once to acquire or renew; true when this process holds the lease afterwards. */
  async tryAcquireOrRenew(now: Date = new MicroTime()): Promise<boolean> {
    const { name, namespace, identity, leaseDurationSeconds } = this.opts;
    const stamp = now.toISOString();
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (status(err) !== 404) throw err;
    }
    if (!lease) {
      await this.api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        },
      });
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
      await this.api.replaceNamespacedLease({ name, namespace, body: lease }); // resourceVersion guards races
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
      const got = await this.tryAcquireOrRenew().catch(() => false);
      const holder = this.observed?.holder ?? "";
      if (holder && holder !== lastHolder) {
        lastHolder = holder;
        cb.onNewLeader?.(holder);
      }
      if (got) await this.lead(cb, signal);
      else await sleep(retryMs, undefined, { signal }).catch(() => {});
    }
  }

  private async lead(cb: LeaderCallbacks, signal: AbortSignal): Promise<void> {
    const term = new AbortController();
    const stop = () => term.abort();
    signal.addEventListener("abort", stop, { once: true });
    this.isLeader = true;
    cb.onStartedLeading(term.signal);
    let lastRenew = Date.now();
    try {
      while (!signal.aborted) {
        await sleep(this.opts.retryPeriodSeconds * 1000, undefined, { signal }).catch(() => {});
        if (signal.aborted) break;
        const ok = await this.tryAcquireOrRenew().catch(() => false);
        if (ok) lastRenew = Date.now();
        else if (Date.now() - lastRenew > this.opts.renewDeadlineSeconds * 1000) break;
      }
    } finally {
      this.isLeader = false;
      signal.removeEventListener("abort", stop);
      term.abort();
      cb.onStoppedLeading?.();
    }
  }

  /** Gives the lease up (on clean shutdown) so a standby takes over at once. */
  async release(): Promise<void> {
    const { name, namespace, identity } = this.opts;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const acquireTime = lease.spec.acquireTime ? new MicroTime(lease.spec.acquireTime) : undefined;
      lease.spec = {
        ...lease.spec,
        holderIdentity: "",
        acquireTime,
        renewTime: new MicroTime(0),
        leaseDurationSeconds: 1,
      };
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch {
      // Best effort: the lease expires on its own.
    }
  }
}
