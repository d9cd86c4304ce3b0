// The running CCM: one inventory feed and tag cache per vCenter (on every replica, so standbys
// stay warm), the Node informer, and, on the leader only, the init, address and lifecycle
// controllers. All decisions come from the local inventory; vCenter sees only the feeds' long
// polls and the tag refreshes.
import { CoreV1Api, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import type { AddressOptions } from "./cloud/addresses.js";
import type { InitOptions } from "./cloud/plan-init.js";
import { tlsSettingNames, type Config, type ConfigFormat, type VcenterConfig } from "./config/index.js";
import { runInventoryFeed } from "./inventory/feed.js";
import type { ScopeProblem } from "./inventory/scope.js";
import { InventoryStore, type VmChangeDetail } from "./inventory/store.js";
import { TagCache } from "./inventory/tags.js";
import type { InventoryVm } from "./inventory/types.js";
import { kubeCall } from "./kube/call.js";
import { EventRecorder } from "./kube/events.js";
import { NodeInformer } from "./kube/informer.js";
import { LeaderElector } from "./kube/leader.js";
import { NodeWriter } from "./kube/node-writes.js";
import { controllerEnabled, type Flags } from "./flags.js";
import type { Logger } from "./log.js";
import { CcmMetrics } from "./metrics.js";
import { AddressController } from "./nodes/address-controller.js";
import { isUninitialized, nodeName } from "./nodes/facts.js";
import { NodeIndex } from "./nodes/index.js";
import { InitController } from "./nodes/init-controller.js";
import { LifecycleController } from "./nodes/lifecycle-controller.js";
import { confirmAbsent } from "./lifecycle/proof.js";
import { PendingIndex } from "./nodes/pending-index.js";
import { RestClient } from "../vsphere/rest/client.js";
import { VsphereSession } from "../vsphere/session.js";
import type { TlsOptions } from "../vsphere/tls.js";
import { credentialSource } from "./vcenter/credentials.js";

export interface AppOptions {
  flags: Flags;
  config: Config;
  kc: KubeConfig;
  log: Logger;
  identity: string;
  /** The cloud config's format, so errors name its keys as the operator wrote them (default yaml). */
  format?: ConfigFormat;
  /** Tag refresh cadence (default: --tag-refresh-period, 5 minutes). */
  tagRefreshMs?: number;
  /** Long-poll length of the inventory feeds (default 300 s). */
  maxWaitSeconds?: number;
}

interface Vcenter {
  config: VcenterConfig;
  session: VsphereSession;
  rest: RestClient;
  tags: TagCache;
}

export const tlsOf = (vc: VcenterConfig, format: ConfigFormat = "yaml"): TlsOptions => ({
  caFile: vc.caFile,
  thumbprint: vc.thumbprint,
  insecure: vc.insecureFlag && !vc.caFile && !vc.thumbprint,
  names: tlsSettingNames(format),
});

export class CcmApp {
  readonly store: InventoryStore;
  readonly metrics = new CcmMetrics();
  readonly informer: NodeInformer;
  readonly index = new NodeIndex();
  /** Uninitialized Nodes by the keys discovery looks up, so a VM change re-plans only those it can affect. */
  readonly pending = new PendingIndex();
  readonly vcenters: Vcenter[] = [];
  /** The controllers --controllers enables, while leading. */
  private controllers?: { init?: InitController; addresses?: AddressController; lifecycle?: LifecycleController };
  private statusResync?: NodeJS.Timeout;
  private readonly writer: NodeWriter;
  private readonly recorder: EventRecorder;
  private readonly running: Promise<unknown>[] = [];
  private resync?: NodeJS.Timeout;
  readonly elector?: LeaderElector;

  constructor(private readonly o: AppOptions) {
    this.store = new InventoryStore(
      Object.keys(o.config.vcenter),
      Object.fromEntries(Object.values(o.config.vcenter).map((v) => [v.name, v.datacenters])),
    );
    this.writer = new NodeWriter(o.kc);
    this.recorder = new EventRecorder(o.kc, o.identity);
    this.informer = new NodeInformer(o.kc, {
      onUpsert: (n) => this.onNode(n),
      onDelete: (n) => {
        this.index.remove(n);
        this.pending.remove(n);
      },
    });
    const core = o.kc.makeApiClient(CoreV1Api);
    const readSecret = async (namespace: string, name: string) => {
      const s = await kubeCall(`read Secret ${namespace}/${name}`, undefined, (c) =>
        core.readNamespacedSecret({ namespace, name }, c),
      );
      return Object.fromEntries(
        Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
      );
    };
    for (const vc of Object.values(o.config.vcenter)) {
      const common = {
        host: vc.server,
        port: vc.port,
        tls: tlsOf(vc, o.format),
        // soapRoundtripCount (upstream's RoundTripperCount): attempts for a request that failed to connect.
        attempts: Math.max(1, vc.roundTripperCount),
        // One source for both clients, so both follow a switch from the config's password to the Secret.
        credentials: credentialSource(vc, readSecret, o.log),
      };
      const session = new VsphereSession(common);
      const rest = RestClient.create(common);
      this.metrics.observe(vc.name, session.stats);
      this.metrics.observe(vc.name, rest.stats);
      const tags = new TagCache(vc.name, rest, this.store);
      // A tag attached (or read at last) may be what a pending Node waits for: plan them again.
      tags.onChange = () => this.enqueuePending();
      this.vcenters.push({ config: vc, session, rest, tags });
    }
    if (o.flags.leaderElect) {
      this.elector = new LeaderElector(o.kc, {
        name: o.flags.leaseName,
        namespace: o.flags.leaseNamespace,
        identity: o.identity,
        leaseDurationSeconds: o.flags.leaseDurationSeconds,
        renewDeadlineSeconds: o.flags.renewDeadlineSeconds,
        retryPeriodSeconds: o.flags.retryPeriodSeconds,
      });
    }
  }

  private initOptions(): InitOptions {
    const c = this.o.config;
    return {
      addresses: { ipFamilies: c.global.ipFamily, ...c.nodes },
      ipFamiliesByVcenter: Object.fromEntries(Object.values(c.vcenter).map((v) => [v.name, v.ipFamily])),
      zones: { regionCategory: c.labels.region, zoneCategory: c.labels.zone },
      extraLabels: this.o.flags.nodeLabels,
    };
  }

  private addressOptions(vm: InventoryVm): AddressOptions {
    const c = this.o.config;
    return { ...c.nodes, ipFamilies: c.vcenter[vm.vcenter]?.ipFamily ?? c.global.ipFamily };
  }

  /**
   * A reloaded cloud config whose changes apply live (`nodes`, `labels` with zones still on or
   * off; see config-watch.ts): every Node is planned again with it.
   */
  applyConfig(config: Config): void {
    this.o.config = config;
    this.enqueueAll();
  }

  /** The config key of a vCenter's datacenters, as the operator wrote it. */
  private datacentersKey(vcenter: string): string {
    return this.o.format === "ini" ? `datacenters of [VirtualCenter "${vcenter}"]` : `vcenter.${vcenter}.datacenters`;
  }

  private describeScope(p: ScopeProblem): string {
    return `${this.datacentersKey(p.vcenter)}: ${JSON.stringify(p.value)}: ${p.reason}`;
  }

  /** A configured datacenter that stops or starts resolving: said once, and the Nodes re-judged. */
  private onScopeChange(vcenter: string, problems: ScopeProblem[]): void {
    for (const p of problems) {
      this.o.log.error("configured datacenter does not resolve; the lifecycle controller takes no action", {
        vcenter,
        key: this.datacentersKey(vcenter),
        value: p.value,
        reason: p.reason,
      });
    }
    if (problems.length === 0) this.o.log.info("configured datacenters resolve", { vcenter });
    this.enqueueAll();
  }

  /** Why /readyz fails, or undefined when ready: every inventory synced and tags read once. */
  notReady(): string | undefined {
    if (!this.informer.synced) return "node informer not synced";
    const scope = this.store.scopeProblems();
    if (scope.length > 0) return scope.map((p) => this.describeScope(p)).join("; ");
    for (const vc of this.vcenters) {
      if (!this.store.isSynced(vc.config.name)) {
        const u = this.store.unhealthy().find((x) => x.vcenter === vc.config.name);
        return `inventory of vCenter ${vc.config.name} not synced${u ? `: ${u.reason}` : ""}`;
      }
      if (this.wantsTags() && vc.tags.refreshes === 0) {
        const err = this.store.tagError(vc.config.name);
        return `tags of vCenter ${vc.config.name} not read yet${err ? `: ${err}` : ""}`;
      }
    }
    return undefined;
  }

  private wantsTags(): boolean {
    return !!(this.o.config.labels.zone || this.o.config.labels.region);
  }

  private onNode(n: V1Node): void {
    this.index.upsert(n);
    this.pending.upsert(n);
    const name = nodeName(n);
    if (!this.controllers) return;
    if (isUninitialized(n)) this.controllers.init?.queue.add(name);
    else {
      this.controllers.lifecycle?.queue.add(name);
      // A guest IP change that lands while the node is being initialized finds no node for its
      // VM yet (no providerID) and the init plan already made: without this it would wait for
      // the VM's next change. The address sync only writes when the addresses differ.
      this.controllers.addresses?.queue.add(name);
    }
  }

  private enqueueAll(): void {
    const c = this.controllers;
    if (!c) return;
    for (const n of this.informer.list()) {
      const name = nodeName(n);
      if (isUninitialized(n)) c.init?.queue.add(name);
      else {
        c.lifecycle?.queue.add(name);
        c.addresses?.queue.add(name);
      }
    }
  }

  private onVmChange(changed: InventoryVm[], removed: InventoryVm[], detail: VmChangeDetail): void {
    this.readNewTags(changed);
    const c = this.controllers;
    if (!c) return;
    const vms = [...changed, ...removed, ...detail.previous];
    for (const vm of vms) {
      for (const name of this.index.nodesFor(vm.uuid)) {
        c.lifecycle?.queue.add(name);
        c.addresses?.queue.add(name);
      }
    }
    // A host or folder that moved may move a zone: every pending Node. Otherwise only those a
    // changed VM can match, before or after the change.
    if (detail.objectsChanged) this.enqueuePending();
    else for (const name of this.pending.affectedBy(vms)) c.init?.queue.add(name);
  }

  /** VMs whose tags were never read (created since the last tag read): read them soon. */
  private readNewTags(changed: InventoryVm[]): void {
    if (!this.wantsTags()) return;
    for (const vc of this.vcenters) {
      const name = vc.config.name;
      if (!this.store.isSynced(name)) continue;
      if (!changed.some((vm) => vm.vcenter === name && !this.store.tagsOf(name, vm.ref))) continue;
      vc.tags.refreshSoon((err) => this.o.log.error("tag refresh failed", { vcenter: name, err }));
    }
  }

  private enqueuePending(): void {
    const init = this.controllers?.init;
    for (const name of init?.pending() ?? []) init?.queue.add(name);
  }

  private async refreshTags(vc: Vcenter): Promise<void> {
    if (!this.wantsTags()) return;
    try {
      await vc.tags.refresh();
    } catch (err) {
      this.o.log.error("reading vSphere tags failed", { vcenter: vc.config.name, err });
    }
  }

  /** `signal`: the leader's term (or the process's life without election); every write carries it. */
  private startControllers(signal: AbortSignal): void {
    const f = this.o.flags;
    const base = {
      informer: this.informer,
      view: this.store,
      writer: this.writer.bound(signal),
      recorder: this.recorder.bound(signal),
      log: this.o.log,
    };
    // --controllers: cloud-node is initialization and addresses, cloud-node-lifecycle the rest.
    const node = controllerEnabled(f.controllers, "cloud-node");
    const init = node
      ? new InitController({
          ...base,
          opts: () => this.initOptions(),
          workers: f.concurrentNodeSyncs,
          onResult: (r) => this.metrics.reconciles.inc({ controller: "init", result: r }),
          onSyncError: () => this.metrics.reconcileErrors.inc({ controller: "init" }),
        })
      : undefined;
    const addresses = node
      ? new AddressController({
          ...base,
          addressOptions: (vm) => this.addressOptions(vm),
          workers: f.concurrentNodeStatusUpdates || f.concurrentNodeSyncs,
          onSyncError: () => this.metrics.reconcileErrors.inc({ controller: "addresses" }),
        })
      : undefined;
    const lifecycle = controllerEnabled(f.controllers, "cloud-node-lifecycle")
      ? new LifecycleController({
          ...base,
          opts: { nodeDeletion: f.nodeDeletion },
          confirmAbsent: (uuid, sig) =>
            confirmAbsent(
              this.vcenters.map((v) => ({ name: v.config.name, session: v.session })),
              uuid,
              sig,
            ),
          signal,
          onSync: (r) => this.metrics.reconciles.inc({ controller: "lifecycle", result: r }),
          onSyncError: () => this.metrics.reconcileErrors.inc({ controller: "lifecycle" }),
        })
      : undefined;
    this.controllers = { init, addresses, lifecycle };
    const running = Object.entries(this.controllers).filter(([, c]) => c);
    // Every controller's error series exists from the start, at 0, so a rate() sees its first error.
    for (const [controller] of running) this.metrics.reconcileErrors.inc({ controller }, 0);
    for (const [, c] of running) c?.queue.start();
    this.metrics.leader.set(1);
    this.enqueueAll();
    // --node-status-update-frequency: every Node's addresses are checked again against the
    // inventory (local reads only), as upstream's periodic UpdateNodeStatus.
    if (addresses) {
      this.statusResync = setInterval(() => {
        for (const n of this.informer.list()) if (!isUninitialized(n)) addresses.queue.add(nodeName(n));
      }, f.nodeStatusUpdateSeconds * 1000);
      this.statusResync.unref();
    }
  }

  private async stopControllers(): Promise<void> {
    const c = this.controllers;
    this.controllers = undefined;
    clearInterval(this.statusResync);
    this.metrics.leader.set(0);
    if (c) await Promise.all([c.init?.queue.stop(), c.addresses?.queue.stop(), c.lifecycle?.queue.stop()]);
  }

  /** Starts everything; resolves once started (feeds and informer keep running until `signal`). */
  initOptionsPublic(): InitOptions {
    return this.initOptions();
  }

  /** Feeds, tags and the informer, without controllers or leader election (for `explain`). */
  startInventoryOnly(signal: AbortSignal): void {
    this.startFeeds(signal);
  }

  private startFeeds(signal: AbortSignal): void {
    const log = this.o.log;
    this.store.onVmChange = (c, r, d) => this.onVmChange(c, r, d);
    this.store.onScopeChange = (vc, problems) => this.onScopeChange(vc, problems);
    this.store.onSynced = (name) => {
      log.info("inventory synced", { vcenter: name, ...this.store.counts().find((x) => x.vcenter === name) });
      const vc = this.vcenters.find((v) => v.config.name === name);
      if (vc) void this.refreshTags(vc);
      this.enqueueAll();
    };
    for (const vc of this.vcenters) {
      this.running.push(
        runInventoryFeed(vc.session, vc.config.name, this.store, {
          signal,
          maxWaitSeconds: this.o.maxWaitSeconds,
          onError: (err) => log.error("vCenter inventory feed failed; retrying", { vcenter: vc.config.name, err }),
        }),
      );
      if (this.wantsTags())
        vc.tags.start(
          this.o.tagRefreshMs ?? this.o.flags.tagRefreshSeconds * 1000,
          (err) => log.error("tag refresh failed", { vcenter: vc.config.name, err }),
          signal,
        );
    }
    this.running.push(
      this.informer.run({ signal, onError: (err) => log.error("node watch failed; relisting", { err }) }),
    );
  }

  start(signal: AbortSignal): void {
    const log = this.o.log;
    this.startFeeds(signal);
    this.resync = setInterval(() => {
      this.metrics.inventorySynced.set(this.store.synced ? 1 : 0);
      for (const c of this.store.counts()) this.metrics.inventoryVms.set({ vcenter: c.vcenter }, c.vms);
      const q = this.controllers;
      if (q)
        for (const [k, w] of Object.entries(q)) if (w) this.metrics.queueDepth.set({ controller: k }, w.queue.depth);
    }, 5000);
    this.resync.unref();
    if (this.elector) {
      this.running.push(
        this.elector.run(
          {
            onStartedLeading: (term) => {
              log.info("became leader", { identity: this.o.identity });
              this.startControllers(term);
            },
            // Writes already stopped: the term's signal aborted every one in flight.
            onStoppedLeading: (why) => {
              log.info("stopped leading", { identity: this.o.identity, reason: why });
              return this.stopControllers();
            },
            onRenewFailed: (err, msLeft) =>
              log.error("renewing the leader Lease failed", { err, msToDeadline: Math.max(0, Math.round(msLeft)) }),
            onNewLeader: (id) => log.v(2, "leader", { identity: id }),
          },
          signal,
        ),
      );
    } else this.startControllers(signal);
  }

  async stop(): Promise<void> {
    clearInterval(this.resync);
    await this.stopControllers();
    await Promise.allSettled(this.running);
    await this.elector?.release();
    for (const vc of this.vcenters) {
      vc.tags.stop();
      await Promise.allSettled([vc.session.close(), vc.rest.close()]);
    }
  }
}
