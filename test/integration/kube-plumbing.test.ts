// Informer, leader election, node writes and events against the real kube-apiserver.
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../env/context.js";
import { NodeInformer } from "../../controller/kube/informer.js";
import { LeaderElector, LEADER_DEFAULTS } from "../../controller/kube/leader.js";
import { NodeWriter } from "../../controller/kube/node-writes.js";
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
    expect(
      await w.initialize(name, {
        providerID: "vsphere://4211aaaa-0000-0000-0000-000000000001",
        labels: { "topology.kubernetes.io/zone": "z1" },
        removeTaints: [TAINT_UNINITIALIZED],
      }),
    ).toBe(true);
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
    ).toBe(false);
    expect((await api.readNode({ name })).spec?.providerID).toBe("vsphere://4211aaaa-0000-0000-0000-000000000001");
    const addrs = [
      { type: "InternalIP", address: "10.0.0.5" },
      { type: "Hostname", address: name },
    ];
    expect(await w.setAddresses(name, addrs)).toBe(true);
    expect(await w.setAddresses(name, [])).toBe(false);
    expect((await api.readNode({ name })).status?.addresses).toEqual(addrs);
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
    expect(await w.addTaint(name, { key: "example.com/t", effect: "NoSchedule" })).toBe(true);
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
