// Issue #12, deletion only on proof: the CCM process against vcsim and the shared apiserver.
// Datacenters written as upstream accepts them (inventory path, managed object id), a datacenter
// that does not resolve, a VM outside the configured datacenters, a VM the direct lookup cannot
// see (NoPermission injected), and the shutdown taint of a suspended VM. Every safety test has
// its positive control in the same run: the same CCM (or its restart with the scope fixed)
// deleting the Node of a destroyed VM. Who deleted what is read from the apiserver audit log,
// each CCM running as its own ServiceAccount; what vCenter holds is read with govc.
import type { CoreV1Api, V1Node, V1NodeCondition } from "@kubernetes/client-node";
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditedWrites, nodeDeletesBy } from "../env/audit.js";
import {
  apiWithCredentialsSecret,
  type CcmProcess,
  isInitialized,
  kubeletNode,
  secretCloudConfig,
  startCcm,
  TAINT_SHUTDOWN,
  until,
} from "../env/ccm.js";
import { engines, enginesPki } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import type { Pki } from "../env/pki.js";
import { createServiceAccount, type TestServiceAccount } from "../env/service-account.js";
import { clearFaults, injectFault, startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";

const run = `${process.pid}`;
const VCSIM = "vcsim-ccm-safety";

interface Vm {
  path: string;
  uuid: string;
}

const notFound = (e: unknown) => (e as { code?: number }).code === 404;
const hasShutdownTaint = (n: V1Node) => (n.spec?.taints ?? []).some((t) => t.key === TAINT_SHUTDOWN);
const readyCondition = (status: "True" | "False"): V1NodeCondition => ({
  type: "Ready",
  status,
  reason: "Test",
  message: "set by the test",
  lastHeartbeatTime: new Date(),
  lastTransitionTime: new Date(),
});

describe("the CCM deletes a Node only on proof (#12)", () => {
  let v: Vcsim;
  let pki: Pki;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  const pool: Record<"DC0" | "DC1", Vm[]> = { DC0: [], DC1: [] };
  const ids: Record<string, string> = {};
  const secretName = `vsphere-safety-${run}`;
  const accounts: TestServiceAccount[] = [];
  const running: CcmProcess[] = [];
  const take = (dc: "DC0" | "DC1"): Vm => {
    const vm = pool[dc].shift();
    if (!vm) throw new Error(`test setup: no VM left in ${dc}`);
    return vm;
  };

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    pki = await enginesPki();
    work = join(dir, `ccm-safety-${run}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    v = await startVcsim(dir, pki, {
      name: VCSIM,
      datacenters: 2,
      clustersPerDatacenter: 1,
      hostsPerCluster: 1,
      vmsPerPool: 10,
    });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    for (const [d, dc] of (["DC0", "DC1"] as const).entries()) {
      const paths = (await govc("find", `/${dc}/vm`, "-type", "m")).trim().split("\n").sort();
      for (const [i, path] of paths.entries()) {
        const info = await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", path);
        pool[dc].push({ path, uuid: info.virtualMachines[0].config.uuid });
        // What VMware Tools reports; initialization needs a guest host name.
        const guest = [`SET.guest.ipAddress=10.41.${d}.${10 + i}`, `SET.guest.hostName=safe-${dc}-${i}`];
        await govc("vm.change", "-vm", path, "-e", guest[0], "-e", guest[1]);
      }
    }
    // Managed object ids of the datacenters, as govc (an independent client) reports them.
    const refs = (await govc("find", "-i", "/", "-type", "d")).trim().split("\n");
    const paths = (await govc("find", "/", "-type", "d")).trim().split("\n");
    for (const [i, p] of paths.entries()) ids[p] = refs[i].replace(/^Datacenter:/, "");
    api = await apiWithCredentialsSecret(kube.kubeconfig, secretName, v);
  });

  // A CCM left running by a failed test would act on the next test's Nodes.
  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop();
  });

  afterAll(async () => {
    for (const a of accounts) await a.remove();
    const nodes = await api.listNode({});
    for (const n of nodes.items) {
      const name = n.metadata?.name ?? "";
      if (name.startsWith(`safe-${run}-`)) await api.deleteNode({ name }).catch(() => {});
    }
    await api.deleteNamespacedSecret({ namespace: "kube-system", name: secretName }).catch(() => {});
    await stopVcsim(engines().dir, VCSIM);
  });

  /** A CCM as its own ServiceAccount (so the audit log tells its writes), scoped to `datacenters`. */
  async function ccmWith(tag: string, datacenters: string[]): Promise<{ ccm: CcmProcess; sa: TestServiceAccount }> {
    const { kube } = engines();
    const sa = await createServiceAccount({
      adminKubeconfig: kube.kubeconfig,
      name: `ccm-safe-${tag}-${run}`,
      clusterRole: "cluster-admin",
    });
    accounts.push(sa);
    const config = join(work, `${tag}.yaml`);
    const text = secretCloudConfig(v, secretName).replace(
      "    datacenters: [DC0]",
      `    datacenters: [${datacenters.map((d) => JSON.stringify(d)).join(", ")}]`,
    );
    await writeFile(config, text);
    const ccm = await startCcm({
      cloudConfig: config,
      kubeconfig: await sa.kubeconfig(join(work, `${tag}.kubeconfig`)),
      leaseName: `ccm-safe-${tag}-${run}`,
      pki,
      logFile: join(work, `${tag}.log`),
    });
    running.push(ccm);
    return { ccm, sa };
  }

  const setReady = (name: string, status: "True" | "False") =>
    api.patchNodeStatus({ name, body: [{ op: "add", path: "/status/conditions", value: [readyCondition(status)] }] });

  /** A Node a CCM initialized earlier (providerID set, no taint), NotReady now. */
  async function initializedNode(tag: string, uuid: string): Promise<string> {
    const name = `safe-${run}-${tag}`;
    const body = kubeletNode(name, uuid);
    body.spec = { providerID: `vsphere://${uuid}` };
    await api.createNode({ body });
    await setReady(name, "False");
    return name;
  }

  /** A Node as a kubelet registers it; waits until the CCM initialized it, then makes it NotReady. */
  async function registered(tag: string, vm: Vm): Promise<string> {
    const name = `safe-${run}-${tag}`;
    await api.createNode({ body: kubeletNode(name, vm.uuid) });
    await until(`node ${name} initialized`, async () => isInitialized(await api.readNode({ name })));
    await setReady(name, "False");
    return name;
  }

  const exists = (name: string) =>
    api.readNode({ name }).then(
      () => true,
      (e: unknown) => (notFound(e) ? false : Promise.reject(e as Error)),
    );
  const gone = (name: string) => until(`node ${name} deleted`, async () => !(await exists(name)), 30_000);
  const nodeWritesBy = async (sa: TestServiceAccount) =>
    (await auditedWrites(engines().kube.auditLog, sa.username)).filter((e) => e.objectRef?.resource === "nodes");
  const deletedBy = async (sa: TestServiceAccount) =>
    (await nodeDeletesBy(engines().kube.auditLog, sa.username)).map((e) => e.objectRef?.name).sort();
  const eventsOf = async (name: string) =>
    (await api.listNamespacedEvent({ namespace: "default", fieldSelector: `involvedObject.name=${name}` })).items;

  it.each([
    ["an inventory path", () => "/DC0"],
    ["a managed object id", () => ids["/DC0"]],
  ])(
    "with the datacenter given as %s: Nodes are initialized, none is deleted but the destroyed VM's",
    async (what, entry) => {
      const tag = what === "an inventory path" ? "path" : "moid";
      const value = entry();
      expect(value).toMatch(tag === "path" ? /^\/DC0$/ : /^datacenter-\d+$/);
      const { ccm, sa } = await ccmWith(tag, [value]);
      await ccm.waitReady();
      const [live, doomed] = [take("DC0"), take("DC0")];
      const outside = take("DC1");
      const names = {
        live: await registered(`${tag}-live`, live),
        doomed: await registered(`${tag}-doomed`, doomed),
        // Initialized earlier (say with both datacenters configured); its VM is outside the scope now.
        outside: await initializedNode(`${tag}-outside`, outside.uuid),
      };
      // Positive control: the VM destroyed (govc), its NotReady Node deleted.
      await govc("vm.destroy", doomed.path);
      await gone(names.doomed);
      expect(await exists(names.live)).toBe(true);
      expect(await exists(names.outside)).toBe(true);
      expect(await deletedBy(sa)).toEqual([names.doomed]);
      const deleting = (await eventsOf(names.doomed)).find((e) => e.reason === "DeletingNode");
      expect(deleting?.message).toMatch(
        /SearchIndex\.FindByUuid on vCenter vc1 \(BIOS and instance UUID, both byte orders, all datacenters\) found no VM/,
      );
      await ccm.stop();
    },
  );

  it("a datacenter that does not resolve (DC9): no lifecycle action, a clear error, /readyz false; fixed: the destroyed VM's Node goes", async () => {
    const live = take("DC0");
    const off = take("DC0");
    await govc("vm.power", "-off", off.path);
    const names = {
      live: await initializedNode("typo-live", live.uuid),
      off: await initializedNode("typo-off", off.uuid),
      // A VM that no longer exists anywhere: the Node a correct config deletes.
      destroyed: await initializedNode("typo-destroyed", randomUUID()),
    };
    const { ccm, sa } = await ccmWith("typo", ["DC9"]);
    const why = await until("readyz to name the datacenter", async () => {
      const r = await ccm.get("/readyz").catch(() => undefined);
      return r?.status === 503 && r.body.includes("DC9") ? r.body : undefined;
    });
    expect(why).toMatch(/vcenter\.vc1\.datacenters: "DC9": no datacenter named "DC9"/);
    expect(why).toContain(`/DC0 (${ids["/DC0"]})`);
    await until("the LifecycleBlocked Event", async () =>
      (await eventsOf(names.destroyed)).some((e) => e.reason === "LifecycleBlocked" && e.type === "Warning"),
    );
    expect(ccm.logs()).toMatch(
      /configured datacenter does not resolve.*"key":"vcenter\.vc1\.datacenters".*"value":"DC9"/,
    );
    await sleep(3000);
    for (const n of Object.values(names)) expect(await exists(n)).toBe(true);
    expect(hasShutdownTaint(await api.readNode({ name: names.off }))).toBe(false);
    expect(await nodeWritesBy(sa)).toEqual([]);
    expect((await ccm.get("/readyz")).status).toBe(503);
    await ccm.stop();

    // Positive control, same Nodes: the scope fixed, the destroyed VM's Node is deleted, the
    // powered-off VM's Node tainted, the live one kept.
    const fixed = await ccmWith("typo-fixed", ["DC0"]);
    await fixed.ccm.waitReady();
    await gone(names.destroyed);
    await until("shutdown taint", async () => hasShutdownTaint(await api.readNode({ name: names.off })));
    expect(await exists(names.live)).toBe(true);
    expect(await deletedBy(fixed.sa)).toEqual([names.destroyed]);
    await fixed.ccm.stop();
  });

  it("a VM moved out of the configured datacenter (to DC1) keeps its NotReady Node; control: a destroyed VM's Node goes", async () => {
    const { ccm, sa } = await ccmWith("moved", ["DC0"]);
    await ccm.waitReady();
    const [moving, doomed] = [take("DC0"), take("DC0")];
    const names = { moved: await registered("moved", moving), doomed: await registered("moved-doomed", doomed) };
    // Out of the scope's view, as a cross-datacenter migration leaves it (govc: an independent client).
    await govc("object.mv", moving.path, "/DC1/vm");
    const where = (await govc("find", "/", "-type", "m", "-name", moving.path.split("/").pop() as string)).trim();
    expect(where).toMatch(/^\/DC1\/vm\//);
    await sleep(3000);
    expect(await exists(names.moved)).toBe(true);
    // Positive control in the same run: the destroyed VM's Node is deleted, the moved one's kept.
    await govc("vm.destroy", doomed.path);
    await gone(names.doomed);
    expect(await exists(names.moved)).toBe(true);
    expect(await deletedBy(sa)).toEqual([names.doomed]);
  });

  it("a VM the direct lookup cannot see (NoPermission on FindByUuid): 0 deletions until it can prove the absence", async () => {
    const outside = take("DC1");
    const names = {
      hidden: await initializedNode("hidden", randomUUID()),
      outside: await initializedNode("hidden-outside", outside.uuid),
    };
    await injectFault(v, { method: "FindByUuid", fault: "NoPermission", privilege: "System.Read" });
    let cleared = false;
    try {
      const { ccm, sa } = await ccmWith("hidden", ["DC0"]);
      await ccm.waitReady();
      await until("the lookup failure reported", () =>
        /absence of VM [0-9a-f-]+ not proven: vCenter vc1: NoPermissionFault/.test(ccm.logs()),
      );
      const blocked = await until("the LifecycleBlocked Event", async () =>
        (await eventsOf(names.hidden)).find((e) => e.reason === "LifecycleBlocked"),
      );
      expect(blocked.message).toMatch(/not proven: vCenter vc1: NoPermissionFault/);
      await sleep(3000);
      expect(await exists(names.hidden)).toBe(true);
      expect(await exists(names.outside)).toBe(true);
      expect(await deletedBy(sa)).toEqual([]);
      // Positive control: the lookup answers again; the next look (every 10 s) proves and deletes.
      await clearFaults(v);
      cleared = true;
      await gone(names.hidden);
      expect(await exists(names.outside)).toBe(true);
      expect(await deletedBy(sa)).toEqual([names.hidden]);
      await ccm.stop();
    } finally {
      if (!cleared) await clearFaults(v);
    }
  });

  it("a suspended VM's NotReady Node gets the shutdown taint; resumed, the taint goes", async () => {
    const { ccm } = await ccmWith("suspend", ["DC0"]);
    await ccm.waitReady();
    const vm = take("DC0");
    const name = await registered("suspend", vm);
    await sleep(1000);
    expect(hasShutdownTaint(await api.readNode({ name }))).toBe(false);
    await govc("vm.power", "-suspend", vm.path);
    const state = await govc.json<{ virtualMachines: { runtime: { powerState: string } }[] }>(
      "vm.info",
      "-json",
      vm.path,
    );
    expect(state.virtualMachines[0].runtime.powerState).toBe("suspended");
    await until("shutdown taint on the suspended VM's node", async () =>
      hasShutdownTaint(await api.readNode({ name })),
    );
    await govc("vm.power", "-on", vm.path);
    await until("shutdown taint removed", async () => !hasShutdownTaint(await api.readNode({ name })));
    await ccm.stop();
  });
});
