// Issue #12, one writer and a deadline on every call: CCM processes against the shared apiserver
// and a vcsim of their own. A leader frozen (SIGSTOP) while a standby runs; a leader whose
// apiserver connection hangs (a local proxy that accepts and never answers); a vCenter that
// hangs the same way. Who wrote what, and when, is read from the apiserver audit log (each
// replica is its own ServiceAccount); every test has its positive control (the standby taking
// over and writing, the recovered replica writing again, the Node of a destroyed VM deleted).
import type { CoreV1Api, V1NodeCondition } from "@kubernetes/client-node";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditedWrites, type AuditEvent } from "../env/audit.js";
import {
  apiWithCredentialsSecret,
  type CcmProcess,
  isInitialized,
  kubeletNode,
  secretCloudConfig,
  startCcm,
  until,
} from "../env/ccm.js";
import { engines, enginesPki } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import type { Pki } from "../env/pki.js";
import { startTcpProxy, type TcpProxy } from "../env/proxy.js";
import { createServiceAccount, type TestServiceAccount } from "../env/service-account.js";
import { startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";

const run = `${process.pid}`;
const VCSIM = "vcsim-ccm-leader";
const LEASE = { duration: 5, renewDeadline: 3, retry: 1 };
const ELECTION = [
  `--leader-elect-lease-duration=${LEASE.duration}s`,
  `--leader-elect-renew-deadline=${LEASE.renewDeadline}s`,
  `--leader-elect-retry-period=${LEASE.retry}s`,
];

interface Vm {
  path: string;
  uuid: string;
}

const at = (e: AuditEvent) => Date.parse(e.requestReceivedTimestamp);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const notFound = (e: unknown) => (e as { code?: number }).code === 404;
const readyCondition = (status: "True" | "False"): V1NodeCondition => ({
  type: "Ready",
  status,
  reason: "Test",
  message: "set by the test",
  lastHeartbeatTime: new Date(),
  lastTransitionTime: new Date(),
});

describe("one writer, a deadline on every call (#12)", () => {
  let v: Vcsim;
  let pki: Pki;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  const vms: Vm[] = [];
  const secretName = `vsphere-leader-${run}`;
  const accounts: TestServiceAccount[] = [];
  const procs: CcmProcess[] = [];
  const proxies: TcpProxy[] = [];
  const take = (): Vm => {
    const vm = vms.shift();
    if (!vm) throw new Error("test setup: no VM left");
    return vm;
  };

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    pki = await enginesPki();
    work = join(dir, `ccm-leader-${run}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    v = await startVcsim(dir, pki, { name: VCSIM, clustersPerDatacenter: 1, hostsPerCluster: 1, vmsPerPool: 10 });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    for (const [i, path] of (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort().entries()) {
      const info = await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", path);
      vms.push({ path, uuid: info.virtualMachines[0].config.uuid });
      // What VMware Tools reports; initialization needs a guest host name.
      await govc(
        "vm.change",
        "-vm",
        path,
        "-e",
        `SET.guest.ipAddress=10.42.0.${10 + i}`,
        "-e",
        `SET.guest.hostName=lead-${i}`,
      );
    }
    api = await apiWithCredentialsSecret(kube.kubeconfig, secretName, v);
  });

  // Replicas left running by a failed test would take part in the next one.
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.signalCode === null && p.child.exitCode === null) p.child.kill("SIGCONT");
      await p.stop();
    }
  });

  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const a of accounts) await a.remove();
    for (const n of (await api.listNode({})).items) {
      const name = n.metadata?.name ?? "";
      if (name.startsWith(`lead-${run}-`)) await api.deleteNode({ name }).catch(() => {});
    }
    await api.deleteNamespacedSecret({ namespace: "kube-system", name: secretName }).catch(() => {});
    await stopVcsim(engines().dir, VCSIM);
  });

  /** A replica as its own ServiceAccount; `apiPort` / `vcPort` route it through a proxy. */
  async function replica(
    tag: string,
    o: { lease: string; apiPort?: number; vcPort?: number },
  ): Promise<{ ccm: CcmProcess; sa: TestServiceAccount }> {
    const { kube } = engines();
    const sa = await createServiceAccount({
      adminKubeconfig: kube.kubeconfig,
      name: `ccm-lead-${tag}-${run}`,
      clusterRole: "cluster-admin",
    });
    accounts.push(sa);
    const kubeconfig = await sa.kubeconfig(join(work, `${tag}.kubeconfig`));
    if (o.apiPort) {
      const text = await readFile(kubeconfig, "utf8");
      await writeFile(kubeconfig, text.replace(`127.0.0.1:${kube.apiPort}`, `127.0.0.1:${o.apiPort}`));
    }
    const cloudConfig = join(work, `${tag}.yaml`);
    let text = secretCloudConfig(v, secretName);
    if (o.vcPort) text = text.replace(`  port: ${v.port}`, `  port: ${o.vcPort}`);
    await writeFile(cloudConfig, text);
    const ccm = await startCcm({
      cloudConfig,
      kubeconfig,
      leaseName: o.lease,
      pki,
      logFile: join(work, `${tag}.log`),
      args: ELECTION,
    });
    procs.push(ccm);
    return { ccm, sa };
  }

  const leads = (r: CcmProcess, n = 1) => r.logs().split('"became leader"').length - 1 >= n;
  async function register(tag: string, vm: Vm): Promise<string> {
    const name = `lead-${run}-${tag}`;
    await api.createNode({ body: kubeletNode(name, vm.uuid) });
    return name;
  }
  const initialized = (name: string, timeoutMs = 30_000) =>
    until(`node ${name} initialized`, async () => isInitialized(await api.readNode({ name })), timeoutMs);
  const writes = (sa: TestServiceAccount, all = true) => auditedWrites(engines().kube.auditLog, sa.username, all);
  const leaseWrites = async (sa: TestServiceAccount) =>
    (await writes(sa, false)).filter((e) => e.objectRef?.resource === "leases");

  it("a leader frozen with SIGSTOP: the standby takes over after the lease; the old leader writes nothing after its renew deadline, resumed or not", async () => {
    const lease = `ccm-lead-freeze-${run}`;
    const a = await replica("freeze-a", { lease });
    await until("replica A leads", () => leads(a.ccm));
    const b = await replica("freeze-b", { lease });
    await Promise.all([a.ccm.waitReady(), b.ccm.waitReady()]);
    const first = await register("freeze-1", take());
    await initialized(first);
    // Positive control: A writes (the Node, its Lease).
    expect((await writes(a.sa, false)).some((e) => e.objectRef?.name === first)).toBe(true);

    a.ccm.child.kill("SIGSTOP");
    const frozen = Date.now();
    let resumed = false;
    try {
      const second = await register("freeze-2", take());
      await until("replica B leads", () => leads(b.ccm), 60_000, 50);
      const takeoverMs = Date.now() - frozen;
      await initialized(second);
      // Work A's informer will deliver when it wakes: a Node taken NotReady and a new one.
      await api.patchNodeStatus({
        name: first,
        body: [{ op: "add", path: "/status/conditions", value: [readyCondition("False")] }],
      });
      a.ccm.child.kill("SIGCONT");
      resumed = true;
      const third = await register("freeze-3", take());
      await initialized(third);
      await until("A to say it stopped leading", () => a.ccm.logs().includes('"stopped leading"'), 30_000);
      await sleep((LEASE.duration + 2) * 1000);

      const renewalsA = await leaseWrites(a.sa);
      const lastRenewA = Math.max(...renewalsA.map(at));
      const deadlineA = lastRenewA + LEASE.renewDeadline * 1000;
      const allA = await writes(a.sa);
      const lastWriteA = Math.max(...allA.map(at));
      const afterDeadline = allA.filter((e) => at(e) > deadlineA);
      const firstLeaseB = Math.min(...(await leaseWrites(b.sa)).map(at));
      console.log(
        `[ccm-safety] SIGSTOP: takeover ${seconds(takeoverMs)} after the freeze; B's first Lease write ` +
          `${seconds(firstLeaseB - lastRenewA)} after A's last renewal; A's last write ` +
          `${seconds(lastWriteA - deadlineA)} relative to its renew deadline; A's writes after it: ${afterDeadline.length}`,
      );
      expect(afterDeadline).toEqual([]);
      // Never early: a full lease duration after A's last renewal (250 ms for timestamp rounding).
      expect(firstLeaseB - lastRenewA).toBeGreaterThanOrEqual(LEASE.duration * 1000 - 250);
      // Positive control: B wrote the Nodes registered while A was frozen and after it woke.
      const nodesB = (await writes(b.sa, false)).filter((e) => e.objectRef?.resource === "nodes");
      expect(nodesB.some((e) => e.objectRef?.name === second)).toBe(true);
      expect(nodesB.some((e) => e.objectRef?.name === third)).toBe(true);
      expect(a.ccm.child.exitCode).toBeNull();
      expect((await a.ccm.get("/healthz")).status).toBe(200);
      await a.ccm.stop();
      await b.ccm.stop();
    } finally {
      if (!resumed) a.ccm.child.kill("SIGCONT");
    }
  });

  it("a leader whose apiserver hangs (accepts, never answers): it steps down by its renew deadline, logs why, stays healthy and recovers; no write lost or doubled", async () => {
    const lease = `ccm-lead-hang-${run}`;
    const proxy = await startTcpProxy(engines().kube.apiPort);
    proxies.push(proxy);
    const a = await replica("hang-a", { lease, apiPort: proxy.port });
    await until("replica A leads", () => leads(a.ccm));
    const b = await replica("hang-b", { lease });
    await Promise.all([a.ccm.waitReady(), b.ccm.waitReady()]);
    const first = await register("hang-1", take());
    await initialized(first);

    proxy.setMode("hang");
    const hung = Date.now();
    const lost = await register("hang-2", take());
    await until("A to step down", () => a.ccm.logs().includes('"stopped leading"'), 30_000, 50);
    const stepDownMs = Date.now() - hung;
    expect(a.ccm.logs()).toMatch(/"renewing the leader Lease failed".*(KubeAbortedError|KubeTimeoutError)/);
    await until("replica B leads", () => leads(b.ccm), 60_000, 50);
    const takeoverMs = Date.now() - hung;
    await initialized(lost);
    // The process is healthy throughout (its own server answers).
    expect((await a.ccm.get("/healthz")).status).toBe(200);
    expect(a.ccm.child.exitCode).toBeNull();
    expect(proxy.stats.acceptedWhileHung + proxy.stats.dropped).toBeGreaterThan(0);

    proxy.setMode("pass");
    const back = Date.now();
    await until("A to relist", () => a.ccm.logs().includes("node watch failed; relisting"), 60_000);
    // B hands over (SIGTERM releases the Lease): A leads again and writes again.
    await b.ccm.stop();
    await until("A leads again", () => leads(a.ccm, 2), 60_000, 50);
    const recoveredMs = Date.now() - back;
    const third = await register("hang-3", take());
    await initialized(third);
    console.log(
      `[ccm-safety] hung apiserver: A stepped down ${seconds(stepDownMs)} after the hang began ` +
        `(renew deadline ${LEASE.renewDeadline} s), B took over after ${seconds(takeoverMs)}; ` +
        `A led again ${seconds(recoveredMs)} after the apiserver answered (B released the Lease)`,
    );
    // The Node registered during the hang: initialized once (one spec patch, one status patch), by B.
    const patches = async (sa: TestServiceAccount) =>
      (await writes(sa, false)).filter((e) => e.objectRef?.resource === "nodes" && e.objectRef.name === lost);
    const byB = await patches(b.sa);
    expect(byB.filter((e) => !e.objectRef?.subresource).length).toBe(1);
    expect(await patches(a.sa)).toEqual([]);
    expect((await writes(a.sa, false)).some((e) => e.objectRef?.name === third)).toBe(true);
    // Nothing from A (not even a refused request) between its renew deadline and its new term.
    const allA = await writes(a.sa);
    const renewalsBefore = allA.filter((e) => e.objectRef?.resource === "leases" && at(e) < hung).map(at);
    const deadlineA = Math.max(...renewalsBefore) + LEASE.renewDeadline * 1000;
    const retaken = Math.min(...allA.filter((e) => e.objectRef?.resource === "leases" && at(e) > hung).map(at));
    const between = allA.filter((e) => at(e) > deadlineA && at(e) < retaken);
    console.log(
      `[ccm-safety] hung apiserver: A's writes between its renew deadline and its next term: ${between.length}; ` +
        `its next term began ${seconds(retaken - deadlineA)} after the deadline`,
    );
    expect(between).toEqual([]);
    expect(retaken).toBeGreaterThan(deadlineA);
    await a.ccm.stop();
  });

  it("a vCenter that hangs: not ready within about a minute, no lifecycle action, recovers and deletes on proof once it answers", async () => {
    const proxy = await startTcpProxy(v.port);
    proxies.push(proxy);
    const { ccm } = await replica("vc-hang", { lease: `ccm-lead-vchang-${run}`, vcPort: proxy.port });
    await ccm.waitReady();
    const [live, doomed] = [take(), take()];
    const names = { live: await register("vc-live", live), doomed: await register("vc-doomed", doomed) };
    for (const n of Object.values(names)) {
      await initialized(n);
      await api.patchNodeStatus({
        name: n,
        body: [{ op: "add", path: "/status/conditions", value: [readyCondition("False")] }],
      });
    }
    proxy.setMode("hang");
    const hung = Date.now();
    const why = await until(
      "readyz to report the hung vCenter",
      async () => {
        const r = await ccm.get("/readyz");
        return r.status === 503 ? r.body : undefined;
      },
      // The heartbeat runs after 45 s without an answer, with a 10 s deadline (feed.ts).
      120_000,
    );
    const detectMs = Date.now() - hung;
    expect(why).toMatch(/inventory of vCenter vc1 not synced: HeartbeatFailed/);
    // Destroyed while the CCM cannot see vCenter: nothing happens to its Node meanwhile.
    await govc("vm.destroy", doomed.path);
    await sleep(5000);
    expect(await api.readNode({ name: names.doomed }).then(() => true)).toBe(true);
    expect((await ccm.get("/healthz")).status).toBe(200);

    proxy.setMode("pass");
    const back = Date.now();
    await ccm.waitReady(60_000);
    const recoveredMs = Date.now() - back;
    await until(
      "the destroyed VM's node deleted",
      () => api.readNode({ name: names.doomed }).then(() => false, notFound),
      30_000,
    );
    expect(await api.readNode({ name: names.live }).then(() => true)).toBe(true);
    console.log(
      `[ccm-safety] hung vCenter: not ready ${seconds(detectMs)} after the hang began; ready again ${seconds(recoveredMs)} after it answered`,
    );
    expect(ccm.child.exitCode).toBeNull();
    await ccm.stop();
  });
});
