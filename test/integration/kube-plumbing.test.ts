// Informer, leader election, node writes and events against the real kube-apiserver.
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { engines } from "../env/context.js";
import { NodeInformer } from "../../controller/kube/informer.js";
import { LeaderElector, LEADER_DEFAULTS } from "../../controller/kube/leader.js";
import { NodeWriter } from "../../controller/kube/node-writes.js";
import { FILE_TTL_MS, PooledKubeConfig } from "../../controller/kube/client.js";
import { EventRecorder } from "../../controller/kube/events.js";
import { EventReason, TAINT_UNINITIALIZED } from "../../controller/constants.js";

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const suffix = `${process.pid}-${Date.now() % 100000}`;

describe("kube plumbing", () => {
  let kc: KubeConfig;
  let api: CoreV1Api;
  const created: string[] = [];
  const makeNode = async (name: string, extra: Partial<V1Node["spec"]> = {}) => {
    created.push(name);
    return api.createNode({
      body: {
        metadata: { name },
        spec: { taints: [{ key: TAINT_UNINITIALIZED, value: "true", effect: "NoSchedule" }], ...extra },
      },
    });
  };
  beforeAll(() => {
    kc = new KubeConfig();
    kc.loadFromFile(engines().kube.kubeconfig);
    api = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    for (const n of created) await api.deleteNode({ name: n }).catch(() => {});
  });

  it("the informer lists, then follows adds, updates and deletes", async () => {
    const seen = new Map<string, V1Node>();
    const deleted: string[] = [];
    const inf = new NodeInformer(kc, {
      onUpsert: (n) => seen.set(n.metadata?.name ?? "", n),
      onDelete: (n) => deleted.push(n.metadata?.name ?? ""),
    });
    const ac = new AbortController();
    const a = `inf-a-${suffix}`;
    await makeNode(a);
    const run = inf.run({ signal: ac.signal, watchTimeoutSeconds: 5 });
    await until("list", () => seen.has(a));
    const b = `inf-b-${suffix}`;
    await makeNode(b);
    await until("add", () => seen.has(b));
    await api.patchNode({ name: b, body: [{ op: "add", path: "/metadata/labels", value: { x: "1" } }] });
    await until("update", () => seen.get(b)?.metadata?.labels?.x === "1");
    // The cache keeps no managedFields (the apiserver's copy has them).
    expect((await api.readNode({ name: b })).metadata?.managedFields?.length).toBeGreaterThan(0);
    expect(inf.get(b)?.metadata?.labels?.x).toBe("1");
    expect(inf.get(b)?.metadata?.managedFields).toBeUndefined();
    expect(inf.get(a)?.metadata?.managedFields).toBeUndefined();
    await api.deleteNode({ name: a });
    await until("delete", () => deleted.includes(a));
    expect(inf.get(a)).toBeUndefined();
    // Outlives the server-side watch timeout (5 s): the watch is renewed without a relist.
    await sleep(6000);
    await api.patchNode({ name: b, body: [{ op: "replace", path: "/metadata/labels/x", value: "2" }] });
    await until("update after watch renewal", () => seen.get(b)?.metadata?.labels?.x === "2");
    expect(inf.relists).toBe(1);
    ac.abort();
    await run;
  });

  it("initializes a node in one write and sets addresses without blanking them", async () => {
    const name = `writer-${suffix}`;
    await makeNode(name);
    const w = new NodeWriter(kc);
    const written = await w.initialize(name, {
      providerID: "vsphere://4211aaaa-0000-0000-0000-000000000001",
      labels: { "topology.kubernetes.io/zone": "z1" },
      removeTaints: [TAINT_UNINITIALIZED],
    });
    expect(written?.spec?.providerID).toBe("vsphere://4211aaaa-0000-0000-0000-000000000001");
    const n = await api.readNode({ name });
    expect(n.spec?.providerID).toBe("vsphere://4211aaaa-0000-0000-0000-000000000001");
    expect(n.metadata?.labels?.["topology.kubernetes.io/zone"]).toBe("z1");
    // Only ours goes; the apiserver's own not-ready taint (TaintNodesByCondition) stays.
    expect((n.spec?.taints ?? []).map((t) => t.key)).not.toContain(TAINT_UNINITIALIZED);
    // Idempotent: nothing left to change.
    expect(
      await w.initialize(name, {
        providerID: "vsphere://other",
        labels: { "topology.kubernetes.io/zone": "z1" },
        removeTaints: [TAINT_UNINITIALIZED],
      }),
    ).toBeUndefined();
    expect((await api.readNode({ name })).spec?.providerID).toBe("vsphere://4211aaaa-0000-0000-0000-000000000001");
    const addrs = [
      { type: "InternalIP", address: "10.0.0.5" },
      { type: "Hostname", address: name },
    ];
    expect((await w.setAddresses(name, addrs))?.status?.addresses).toEqual(addrs);
    expect(await w.setAddresses(name, [])).toBeUndefined();
    expect((await api.readNode({ name })).status?.addresses).toEqual(addrs);
    // Two InternalIPs survive (a strategic merge keyed by type would fold them into one).
    const two = [
      { type: "InternalIP", address: "10.0.0.5" },
      { type: "InternalIP", address: "10.0.0.6" },
      { type: "Hostname", address: name },
    ];
    expect((await w.setAddresses(name, two))?.status?.addresses).toEqual(two);
    expect((await api.readNode({ name })).status?.addresses).toEqual(two);
  });

  it("writes from the caller's copy in one request; a stale copy costs one re-read", async () => {
    const name = `cached-${suffix}`;
    const created = await makeNode(name);
    const w = new NodeWriter(kc);
    const tainted = await w.addTaint(name, { key: "example.com/a", effect: "NoSchedule" }, created);
    expect(tainted?.spec?.taints?.map((t) => t.key)).toContain("example.com/a");
    expect(w.requests).toEqual({ get: 0, patch: 1, delete: 0 });
    // `created` is now stale: the guarded patch gets 409, the writer re-reads and decides again.
    const again = await w.addTaint(name, { key: "example.com/b", effect: "NoSchedule" }, created);
    expect(again?.spec?.taints?.map((t) => t.key)).toEqual(expect.arrayContaining(["example.com/a", "example.com/b"]));
    expect(w.requests).toEqual({ get: 1, patch: 3, delete: 0 });
    // A re-registered Node (same name, new uid) is not deleted on the old decision.
    await api.deleteNode({ name });
    await makeNode(name);
    expect(await w.delete(name, { uid: created.metadata?.uid })).toBe("changed");
    expect((await api.readNode({ name })).metadata?.name).toBe(name);
    // Same incarnation, but changed since the copy the decision was made on: kept too.
    const decided = await api.readNode({ name });
    await api.patchNode({ name, body: [{ op: "add", path: "/metadata/labels", value: { moved: "on" } }] });
    const pre = { uid: decided.metadata?.uid, resourceVersion: decided.metadata?.resourceVersion };
    expect(await w.delete(name, pre)).toBe("changed");
    expect((await api.readNode({ name })).metadata?.labels?.moved).toBe("on");
    // Positive control: the current copy's preconditions delete it.
    const current = await api.readNode({ name });
    expect(
      await w.delete(name, { uid: current.metadata?.uid, resourceVersion: current.metadata?.resourceVersion }),
    ).toBe("deleted");
    await makeNode(name);
    expect(await w.delete(name)).toBe("deleted");
    expect(await w.delete(name)).toBe("gone");
  });

  it("shares one keep-alive connection across sequential requests", async () => {
    const pooled = new PooledKubeConfig();
    pooled.loadFromFile(engines().kube.kubeconfig);
    const core = pooled.makeApiClient(CoreV1Api);
    for (let i = 0; i < 20; i++) await core.readNamespace({ name: "default" });
    expect(pooled.poolsCreated).toBe(1);
    expect(pooled.connectionsOpened).toBe(1);
    // The TLS files were read once for the 20 requests, and again once their time is up (a
    // rotated certificate is picked up), still on the same pool while their content is the same.
    expect(pooled.tlsFileReads).toBe(1);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + FILE_TTL_MS });
    try {
      await core.readNamespace({ name: "default" });
    } finally {
      vi.useRealTimers();
    }
    expect(pooled.tlsFileReads).toBe(2);
    expect(pooled.poolsCreated).toBe(1);
    // Control: the library's own config opens a connection per request (the reason for the pool).
    const plain = new KubeConfig();
    plain.loadFromFile(engines().kube.kubeconfig);
    let handshakes = 0;
    const orig = tls.connect;
    tls.connect = ((...args: Parameters<typeof tls.connect>) => {
      handshakes++;
      return orig(...args);
    }) as typeof tls.connect;
    try {
      const plainCore = plain.makeApiClient(CoreV1Api);
      for (let i = 0; i < 5; i++) await plainCore.readNamespace({ name: "default" });
    } finally {
      tls.connect = orig;
    }
    expect(handshakes).toBe(5);
    pooled.closeConnections();
  });

  it("retries a write that loses a race (409) and keeps the other writer's change", async () => {
    const name = `race-${suffix}`;
    await makeNode(name);
    const w = new NodeWriter(kc);
    // Interleave: a label added by someone else between our read and our write.
    let raced = false;
    const writerApi = (w as unknown as { api: CoreV1Api }).api;
    const read = writerApi.readNode.bind(writerApi);
    writerApi.readNode = async (p) => {
      const n = await read(p);
      if (!raced) {
        raced = true;
        await api.patchNode({ name, body: [{ op: "add", path: "/metadata/labels", value: { other: "writer" } }] });
      }
      return n;
    };
    const written = await w.addTaint(name, { key: "example.com/t", effect: "NoSchedule" });
    expect(written?.metadata?.labels?.other).toBe("writer");
    // Read, patch (409), re-read, patch.
    expect(w.requests).toEqual({ get: 2, patch: 2, delete: 0 });
    const n = await api.readNode({ name });
    expect(n.metadata?.labels?.other).toBe("writer");
    expect(n.spec?.taints?.map((t) => t.key)).toContain("example.com/t");
  });

  it("folds repeated events into one with a count", async () => {
    const name = `events-${suffix}`;
    const node = await makeNode(name);
    const rec = new EventRecorder(kc, "test-host");
    await rec.record(node, "Warning", EventReason.InitializationPending, "no VM matched");
    await rec.record(node, "Warning", EventReason.InitializationPending, "no VM matched");
    await rec.record(node, "Normal", EventReason.Initialized, "done");
    const evs = (await api.listNamespacedEvent({ namespace: "default", fieldSelector: `involvedObject.name=${name}` }))
      .items;
    expect(evs.map((e) => [e.reason, e.count]).sort()).toEqual([
      ["InitializationPending", 2],
      ["Initialized", 1],
    ]);
  });

  it("only one elector leads; a released lease is taken over at once", async () => {
    const opts = {
      ...LEADER_DEFAULTS,
      name: `lease-${suffix}`,
      namespace: "default",
      leaseDurationSeconds: 4,
      renewDeadlineSeconds: 3,
      retryPeriodSeconds: 1,
    };
    const a = new LeaderElector(kc, { ...opts, identity: "a" });
    const b = new LeaderElector(kc, { ...opts, identity: "b" });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    await a.release();
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });
});
