// Reliability of the CCM process: vCenter outages, terminated sessions, kube-apiserver restarts,
// two replicas, rotated credentials, Node writes refused by RBAC (counted on /metrics), malformed
// config files and the secure /metrics endpoint.
// Each safety test has a positive control in the same run (the same CCM deleting, tainting or
// writing when it should), so none of them can pass with the feature switched off. Who wrote to
// Kubernetes is judged from the apiserver audit log, each CCM running with its own ServiceAccount.
import {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Node,
  type V1NodeCondition,
} from "@kubernetes/client-node";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  type CcmOptions,
  type CcmProcess,
  createCredentialsSecret,
  credentialsSecretData,
  isInitialized,
  kubeletNode,
  runCcmOnce,
  secretCloudConfig,
  startCcm,
  TAINT_SHUTDOWN,
  TAINT_UNINITIALIZED,
  until,
} from "../env/ccm.js";
import { auditedWrites } from "../env/audit.js";
import { engines, enginesPki } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { startKube, stopKube, type Kube } from "../env/kube.js";
import { createServiceAccount, type TestServiceAccount } from "../env/service-account.js";
import type { Pki } from "../env/pki.js";
import { stopProc } from "../env/proc.js";
import { restartVcsim, startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";
import { loadConfig } from "../../controller/config/index.js";
import {
  clusterRules,
  credentialsRules,
  leaderElectionRules,
  type PolicyRule,
} from "../../components/kubernetes/rbac.js";

const run = `${process.pid}`;
const VCSIM = "vcsim-ccm-rel";
/** The vSphere client's User-Agent (vsphere/http.ts): how the CCM's sessions are told from govc's. */
const CCM_AGENT = /^vsphere-cloud-provider-ts\//;

interface VmInfo {
  path: string;
  uuid: string;
  ip: string;
}

/** Sum of a Prometheus sample family over the series carrying all `labels`. */
function metricValue(body: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

const taintKeys = (n: V1Node) =>
  (n.spec?.taints ?? [])
    .map((t) => t.key)
    .sort()
    .join(",");

const readyCondition = (status: "True" | "False"): V1NodeCondition => ({
  type: "Ready",
  status,
  reason: "Test",
  message: "set by the test",
  lastHeartbeatTime: new Date(),
  lastTransitionTime: new Date(),
});

const notFound = (e: unknown) => (e as { code?: number }).code === 404;

/** The node, or undefined when it is gone (404); other errors propagate. */
async function readNodeOrGone(core: CoreV1Api, name: string): Promise<V1Node | undefined> {
  try {
    return await core.readNode({ name });
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
}

function clients(kubeconfig: string): { core: CoreV1Api; rbac: RbacAuthorizationV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { core: kc.makeApiClient(CoreV1Api), rbac: kc.makeApiClient(RbacAuthorizationV1Api) };
}

/** A ServiceAccount in kube-system (cluster-admin when asked), its token and a kubeconfig for it. */
const serviceAccount = (kubeconfig: string, name: string, clusterAdmin: boolean): Promise<TestServiceAccount> =>
  createServiceAccount({ adminKubeconfig: kubeconfig, name, clusterRole: clusterAdmin ? "cluster-admin" : undefined });

describe("the CCM process under failures", () => {
  let v: Vcsim;
  let pki: Pki;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  const vms: VmInfo[] = [];
  const secretName = `vsphere-rel-${run}`;
  const nodeName = (tag: string) => `rel-${run}-${tag}`;

  /** What VMware Tools reports: an IPv4 and a host name (vcsim forgets both on restart: set again then). */
  async function setGuestIps(): Promise<void> {
    for (const [i, vm] of vms.entries()) {
      await govc("vm.change", "-vm", vm.path, "-e", `SET.guest.ipAddress=${vm.ip}`, "-e", `SET.guest.hostName=vm-${i}`);
    }
  }

  const uuidOf = async (path: string) =>
    (await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", path)).virtualMachines[0]
      .config.uuid;

  /** A YAML cloud config for our vcsim, credentials from the named Secret. */
  async function cloudConfig(file: string, secret = secretName): Promise<string> {
    const path = join(work, file);
    await writeFile(path, secretCloudConfig(v, secret));
    return path;
  }

  const ccmOptions = (
    name: string,
    o: Partial<CcmOptions> & { kubeconfig: string; cloudConfig: string },
  ): CcmOptions => ({
    leaseName: `ccm-rel-${name}-${run}`,
    pki,
    logFile: join(work, `${name}.log`),
    ...o,
  });

  async function register(core: CoreV1Api, tag: string, vm: VmInfo): Promise<string> {
    const name = nodeName(tag);
    await core.createNode({ body: kubeletNode(name, vm.uuid) });
    return name;
  }

  const initialized = (core: CoreV1Api, name: string) =>
    until(`node ${name} initialized`, async () => {
      const n = await core.readNode({ name });
      return isInitialized(n) ? n : undefined;
    });

  const setReady = (core: CoreV1Api, name: string, status: "True" | "False") =>
    core.patchNodeStatus({
      name,
      body: [{ op: "add", path: "/status/conditions", value: [readyCondition(status)] }],
    });

  async function deleteOurNodes(core: CoreV1Api): Promise<void> {
    const nodes = await core.listNode({});
    for (const n of nodes.items) {
      const name = n.metadata?.name ?? "";
      if (name.startsWith(`rel-${run}-`)) await core.deleteNode({ name }).catch(() => {});
    }
  }

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    pki = await enginesPki();
    work = join(dir, `ccm-rel-${run}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    v = await startVcsim(dir, pki, { name: VCSIM, clustersPerDatacenter: 1, hostsPerCluster: 1, vmsPerPool: 8 });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    const paths = (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort();
    for (const [i, path] of paths.entries()) vms.push({ path, uuid: await uuidOf(path), ip: `10.30.0.${10 + i}` });
    await setGuestIps();
    api = clients(kube.kubeconfig).core;
    await createCredentialsSecret(api, secretName, v);
  });

  afterAll(async () => {
    await deleteOurNodes(api);
    await api.deleteNamespacedSecret({ namespace: "kube-system", name: secretName }).catch(() => {});
    await stopVcsim(engines().dir, VCSIM);
  });

  describe("one replica on the shared apiserver", () => {
    let ccm: CcmProcess;
    let noRbac: TestServiceAccount;

    beforeAll(async () => {
      const { kube } = engines();
      noRbac = await serviceAccount(kube.kubeconfig, `ccm-rel-norbac-${run}`, false);
      ccm = await startCcm(
        ccmOptions("main", { kubeconfig: kube.kubeconfig, cloudConfig: await cloudConfig("main.yaml") }),
      );
      await ccm.waitReady();
    });

    afterAll(async () => {
      await ccm?.stop();
      await noRbac?.remove();
      await deleteOurNodes(api);
    });

    const metrics = async () => {
      const r = await ccm.get("/metrics", engines().kube.adminToken);
      expect(r.status).toBe(200);
      return r.body;
    };

    it("serves /metrics only to an authorized token: 401 without or with a bad one, 403 without RBAC, 200 for admin", async () => {
      expect((await ccm.get("/metrics")).status).toBe(401);
      expect((await ccm.get("/metrics", "not-a-token")).status).toBe(401);
      const forbidden = await ccm.get("/metrics", noRbac.token);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toContain(noRbac.username);
      // Positive control: the same endpoint answers an authorized caller, with the vCenter call counts.
      const body = await metrics();
      expect(body).toContain("# TYPE vsphere_ccm_vcenter_calls_total counter");
      expect(metricValue(body, "vsphere_ccm_vcenter_calls_total", { method: "Login", result: "ok" })).toBe(1);
      expect(metricValue(body, "vsphere_ccm_vcenter_calls_total", { method: "WaitForUpdatesEx" })).toBeGreaterThan(0);
    });

    it("logs in again by itself when vCenter terminates its session, and keeps following the inventory", async () => {
      type Sessions = { sessionList: { key: string; userAgent: string }[] };
      const ours = async () =>
        (await govc.json<Sessions>("session.ls", "-json")).sessionList.filter((s) => CCM_AGENT.test(s.userAgent));
      const before = await ours();
      expect(before.length).toBeGreaterThan(0);
      const loginsBefore = metricValue(await metrics(), "vsphere_ccm_vcenter_calls_total", { method: "Login" });
      await govc("session.rm", ...before.map((s) => s.key));
      expect(await ours()).toEqual([]);
      // vcsim lets a WaitForUpdatesEx already in flight finish; a change ends it, and the
      // feed's next call meets NotAuthenticated.
      const [trigger, vm] = [vms[3], vms[4]];
      await govc("vm.change", "-vm", trigger.path, "-e", "SET.guest.ipAddress=10.30.1.3");
      const after = await until("a new CCM session", async () => {
        const s = await ours();
        return s.length > 0 ? s : undefined;
      });
      for (const s of after) expect(before.map((b) => b.key)).not.toContain(s.key);
      expect(
        metricValue(await metrics(), "vsphere_ccm_vcenter_calls_total", { method: "Login", result: "ok" }),
      ).toBeGreaterThan(loginsBefore);
      // Under the new session the feed still follows vCenter: a guest IP changed now reaches a node
      // registered now (an inventory frozen at the old session would give the old IP).
      await govc("vm.change", "-vm", vm.path, "-e", "SET.guest.ipAddress=10.30.1.4");
      const name = await register(api, "relogin", vm);
      await initialized(api, name);
      await until("the new guest IP on the node", async () => {
        const n = await api.readNode({ name });
        return n.status?.addresses?.some((a) => a.type === "InternalIP" && a.address === "10.30.1.4");
      });
      expect((await ccm.get("/readyz")).status).toBe(200);
      expect(ccm.child.exitCode).toBeNull();
    });

    it("deletes and taints nothing while vCenter is down for 60 s, recovers after it returns, and deletes a node whose VM was destroyed while it was up", async () => {
      const dir = engines().dir;
      const [off, on, doomed] = vms;
      const names = {
        off: await register(api, "off", off),
        on: await register(api, "on", on),
        doomed: await register(api, "doomed", doomed),
      };
      for (const n of Object.values(names)) {
        await initialized(api, n);
        await setReady(api, n, "False");
      }
      // Positive controls while vCenter is up: a powered-off VM's NotReady node gets the shutdown
      // taint, and the node of a destroyed VM is deleted.
      await govc("vm.power", "-off", off.path);
      await govc("vm.power", "-off", doomed.path);
      await govc("vm.destroy", doomed.path);
      await until("shutdown taint on the powered-off VM's node", async () =>
        taintKeys(await api.readNode({ name: names.off })).includes(TAINT_SHUTDOWN),
      );
      await until("node of the destroyed VM deleted", () =>
        api.readNode({ name: names.doomed }).then(() => false, notFound),
      );
      const steady = {
        off: taintKeys(await api.readNode({ name: names.off })),
        on: taintKeys(await api.readNode({ name: names.on })),
      };
      expect(steady.off).toContain(TAINT_SHUTDOWN);
      expect(steady.on).not.toContain(TAINT_SHUTDOWN);
      const lifecycleRuns = async () =>
        metricValue(await metrics(), "vsphere_ccm_reconciles_total", { controller: "lifecycle" });
      const runsBefore = await lifecycleRuns();
      const logins = { method: "Login", result: "ok" };
      const loginsBefore = metricValue(await metrics(), "vsphere_ccm_vcenter_calls_total", logins);

      // The outage: vcsim stopped; with it every VM is gone.
      await stopVcsim(dir, VCSIM);
      let restarted = false;
      onTestFinished(async () => {
        // Leave a running vcsim to the tests that follow, whatever happened here.
        if (!restarted) await restartVcsim(dir, pki, v).then(setGuestIps);
      });
      const down = Date.now();
      const notReady = await until("readyz to report the outage", async () => {
        const r = await ccm.get("/readyz");
        return r.status === 503 ? r.body : undefined;
      });
      expect(notReady).toMatch(/inventory of vCenter vc1 not synced/);
      const violations: string[] = [];
      let polls = 0;
      let touched = 0;
      while (Date.now() - down < 60_000) {
        // Touch the nodes now and then (as a node-lifecycle controller's status updates would), so
        // the CCM's lifecycle controller evaluates them during the outage, not only before it.
        if (polls % 10 === 0) {
          for (const n of [names.off, names.on]) {
            // A node deleted meanwhile is reported below as a violation, not as this patch's 404.
            await setReady(api, n, "False").catch((e: unknown) => {
              if (!notFound(e)) throw e;
            });
          }
          touched++;
        }
        for (const [key, name] of Object.entries({ off: names.off, on: names.on })) {
          const n = await readNodeOrGone(api, name);
          const at = `${((Date.now() - down) / 1000).toFixed(1)} s`;
          if (!n) violations.push(`${at}: node ${name} deleted`);
          else if (taintKeys(n) !== steady[key as keyof typeof steady])
            violations.push(
              `${at}: node ${name} taints [${taintKeys(n)}], were [${steady[key as keyof typeof steady]}]`,
            );
        }
        polls++;
        await sleep(500);
      }
      expect(violations).toEqual([]);
      expect(touched).toBeGreaterThan(5);
      // The lifecycle controller did run during the outage (and decided to do nothing).
      expect(await lifecycleRuns()).toBeGreaterThan(runsBefore);
      expect((await ccm.get("/readyz")).status).toBe(503);

      // vCenter returns: same port, certificate and UUID seed, fresh inventory (every VM powered
      // on, the destroyed one back, guest IPs forgotten).
      await restartVcsim(dir, pki, v);
      restarted = true;
      const up = Date.now();
      expect(await uuidOf(off.path)).toBe(off.uuid);
      expect(await uuidOf(on.path)).toBe(on.uuid);
      await setGuestIps();
      // The feed retries with capped exponential backoff (5 s cap), so it is back within seconds;
      // the margin on top is for a loaded 2-core machine.
      await ccm.waitReady(20_000);
      const recoveredMs = Date.now() - up;
      console.log(`[ccm-reliability] inventory synced again ${(recoveredMs / 1000).toFixed(1)} s after vcsim restart`);
      // A new login against the restarted vCenter (the old session died with it).
      expect(metricValue(await metrics(), "vsphere_ccm_vcenter_calls_total", logins)).toBeGreaterThan(loginsBefore);
      // Acting again on the fresh inventory: the VM is on now, so its taint goes; nothing is deleted.
      await until(
        "shutdown taint removed after recovery",
        async () => !taintKeys(await api.readNode({ name: names.off })).includes(TAINT_SHUTDOWN),
      );
      expect(taintKeys(await api.readNode({ name: names.on }))).toBe(steady.on);
      expect(ccm.child.exitCode).toBeNull();
    });
  });

  describe("kube-apiserver restarted under a running CCM (a Kubernetes environment of its own)", () => {
    let kdir: string;
    let kube: Kube;
    let core: CoreV1Api;
    let ccm: CcmProcess;

    beforeAll(async () => {
      kdir = join(work, "kube");
      kube = await startKube(kdir, pki, { controllerManager: false });
      core = clients(kube.kubeconfig).core;
      await createCredentialsSecret(core, secretName, v);
      ccm = await startCcm(
        ccmOptions("kube-restart", { kubeconfig: kube.kubeconfig, cloudConfig: await cloudConfig("kr.yaml") }),
      );
      await ccm.waitReady();
    });

    afterAll(async () => {
      await ccm?.stop();
      if (kdir) {
        await stopKube(kdir);
        await rm(kdir, { recursive: true, force: true });
      }
    });

    it("misses no Node created or changed right after the apiserver comes back (the informer relists)", async () => {
      const a = await register(core, "kr-a", vms[5]);
      await initialized(core, a);
      await stopProc(kdir, "kube-apiserver");
      // Long enough for the informer to fail and back off a few times.
      await until("the informer to notice", () => ccm.logs().includes("node watch failed; relisting"), 30_000);
      await sleep(3000);
      expect(ccm.child.exitCode).toBeNull();
      await startKube(kdir, pki, { controllerManager: false });
      // At once, while the CCM is still backing off or relisting: two new nodes and a change to an
      // initialized one (the uninitialized taint put back, as a re-registering kubelet does).
      const b = await register(core, "kr-b", vms[6]);
      const c = await register(core, "kr-c", vms[7]);
      await core.patchNode({
        name: a,
        body: [
          {
            op: "add",
            path: "/spec/taints/-",
            value: { key: TAINT_UNINITIALIZED, value: "true", effect: "NoSchedule" },
          },
        ],
      });
      for (const [n, vm] of [
        [a, vms[5]],
        [b, vms[6]],
        [c, vms[7]],
      ] as const) {
        const node = await initialized(core, n);
        expect(node.spec?.providerID).toBe(`vsphere://${vm.uuid}`);
      }
      expect(ccm.child.exitCode).toBeNull();
    });
  });

  describe("two replicas on one Lease", () => {
    const accounts: TestServiceAccount[] = [];
    const replicas: CcmProcess[] = [];
    afterAll(async () => {
      for (const r of replicas) await r.stop();
      for (const a of accounts) await a.remove();
      await deleteOurNodes(api);
    });

    it("only the leader writes (audit log), and killing it hands over within the lease duration", async () => {
      const { kube } = engines();
      const [saA, saB] = [
        await serviceAccount(kube.kubeconfig, `ccm-rel-a-${run}`, true),
        await serviceAccount(kube.kubeconfig, `ccm-rel-b-${run}`, true),
      ];
      accounts.push(saA, saB);
      const leaseSeconds = 5;
      const retrySeconds = 1;
      const cloud = await cloudConfig("ha.yaml");
      const replica = async (name: string, account: TestServiceAccount) =>
        startCcm(
          ccmOptions(name, {
            leaseName: `ccm-rel-ha-${run}`,
            kubeconfig: await account.kubeconfig(join(work, `${name}.kubeconfig`)),
            cloudConfig: cloud,
            args: [
              `--leader-elect-lease-duration=${leaseSeconds}s`,
              "--leader-elect-renew-deadline=3s",
              `--leader-elect-retry-period=${retrySeconds}s`,
            ],
          }),
        );
      const leads = (r: CcmProcess) => r.logs().includes('"became leader"');
      const a = await replica("ha-a", saA);
      replicas.push(a);
      await until("replica A leads", () => leads(a));
      const b = await replica("ha-b", saB);
      replicas.push(b);
      await Promise.all([a.waitReady(), b.waitReady()]); // the standby keeps a warm inventory too
      const first = await register(api, "ha-1", vms[0]);
      await initialized(api, first);
      // Give the standby more than a lease duration of chances to misbehave.
      await sleep((leaseSeconds + 2 * retrySeconds) * 1000);
      const writesA = await auditedWrites(kube.auditLog, saA.username);
      expect(writesA.filter((e) => e.objectRef?.resource === "nodes" && e.objectRef.name === first)).not.toEqual([]);
      expect(writesA.filter((e) => e.objectRef?.resource === "leases").length).toBeGreaterThan(leaseSeconds);
      expect(await auditedWrites(kube.auditLog, saB.username)).toEqual([]);
      expect(leads(b)).toBe(false);

      const lastRenewByA = async () =>
        Math.max(
          ...(await auditedWrites(kube.auditLog, saA.username))
            .filter((e) => e.objectRef?.resource === "leases")
            .map((e) => Date.parse(e.stageTimestamp)),
        );
      await a.kill();
      const killed = Date.now();
      await until("replica B leads", () => leads(b), 60_000, 50);
      const handoverMs = Date.now() - killed;
      console.log(`[ccm-reliability] leader handover ${(handoverMs / 1000).toFixed(1)} s after SIGKILL`);
      // client-go semantics: the standby takes over once it has seen the record unchanged for a
      // lease duration, checking every retry period: at most lease + 2 retries after the last
      // renewal. 8 s on top allow for a loaded 2-core machine.
      expect(handoverMs).toBeLessThan((leaseSeconds + 2 * retrySeconds + 8) * 1000);
      const takeover = Math.min(
        ...(await auditedWrites(kube.auditLog, saB.username))
          .filter((e) => e.objectRef?.resource === "leases")
          .map((e) => Date.parse(e.stageTimestamp)),
      );
      // Never early: B's first lease write comes a full lease duration after A's last renewal
      // (both stamped by the apiserver's clock; 250 ms for timestamp rounding).
      expect(takeover - (await lastRenewByA())).toBeGreaterThanOrEqual(leaseSeconds * 1000 - 250);
      const second = await register(api, "ha-2", vms[1]);
      await initialized(api, second);
      const writesB = await auditedWrites(kube.auditLog, saB.username);
      expect(writesB.filter((e) => e.objectRef?.resource === "nodes" && e.objectRef.name === second)).not.toEqual([]);
    });
  });

  describe("credentials rotated in the Secret", () => {
    let sa: TestServiceAccount;
    let ccm: CcmProcess;
    const rotating = `vsphere-rel-rotate-${run}`;
    afterAll(async () => {
      await ccm?.stop();
      await sa?.remove();
      await api.deleteNamespacedSecret({ namespace: "kube-system", name: rotating }).catch(() => {});
      await deleteOurNodes(api);
    });

    it("with a wrong password is not ready, says why and writes nothing; the corrected Secret is used without a restart", async () => {
      const { kube } = engines();
      sa = await serviceAccount(kube.kubeconfig, `ccm-rel-rot-${run}`, true);
      const secret = (password: string) => ({
        metadata: { name: rotating },
        stringData: credentialsSecretData(v, password),
      });
      await api.createNamespacedSecret({ namespace: "kube-system", body: secret("not-the-password") });
      ccm = await startCcm(
        ccmOptions("rotate", {
          kubeconfig: await sa.kubeconfig(join(work, "rotate.kubeconfig")),
          cloudConfig: await cloudConfig("rotate.yaml", rotating),
        }),
      );
      const why = await until("readyz to name the login failure", async () => {
        const r = await ccm.get("/readyz").catch(() => undefined);
        return r?.status === 503 && /InvalidLogin/.test(r.body) ? r.body : undefined;
      });
      expect(why).toMatch(/inventory of vCenter vc1 not synced: InvalidLoginFault/);
      expect(why).not.toContain("not-the-password");
      await until("the replica to lead", () => ccm.logs().includes('"became leader"'));
      const name = await register(api, "rotate", vms[2]);
      await sleep(3000);
      const waiting = await api.readNode({ name });
      expect(waiting.spec?.providerID).toBeUndefined();
      expect(taintKeys(waiting)).toContain(TAINT_UNINITIALIZED);
      const early = await auditedWrites(kube.auditLog, sa.username);
      expect(early.filter((e) => e.objectRef?.resource !== "leases")).toEqual([]);

      await api.replaceNamespacedSecret({ namespace: "kube-system", name: rotating, body: secret(v.password) });
      const pid = ccm.child.pid;
      await initialized(api, name);
      await ccm.waitReady();
      expect(ccm.child.exitCode).toBeNull();
      expect(ccm.child.pid).toBe(pid);
      // Positive control of the audit filter: the same account's writes show up once it may write.
      const late = await auditedWrites(kube.auditLog, sa.username);
      expect(late.filter((e) => e.objectRef?.resource === "nodes" && e.objectRef.name === name)).not.toEqual([]);
    });
  });

  describe("with the CCM's own RBAC, Node writes then taken away", () => {
    let sa: TestServiceAccount;
    let ccm: CcmProcess;
    const role = `ccm-rel-rbac-${run}`;
    const leaseName = `ccm-rel-rbac-${run}`;
    const rbac = () => clients(engines().kube.kubeconfig).rbac;
    afterAll(async () => {
      await ccm?.stop();
      await rbac()
        .deleteClusterRoleBinding({ name: role })
        .catch(() => {});
      await rbac()
        .deleteClusterRole({ name: role })
        .catch(() => {});
      await rbac()
        .deleteNamespacedRoleBinding({ namespace: "kube-system", name: role })
        .catch(() => {});
      await rbac()
        .deleteNamespacedRole({ namespace: "kube-system", name: role })
        .catch(() => {});
      await sa?.remove();
      await deleteOurNodes(api);
    });

    /** The Node rules reduced to reading: everything else the CCM may do stays. */
    const withoutNodeWrites = (rules: PolicyRule[]): PolicyRule[] =>
      rules
        .map((r) =>
          r.resources.some((x) => x === "nodes" || x.startsWith("nodes/"))
            ? { ...r, verbs: r.verbs.filter((v) => ["get", "list", "watch"].includes(v)) }
            : r,
        )
        .filter((r) => r.verbs.length > 0);

    it("counts each failed reconcile in vsphere_ccm_reconcile_errors_total by controller; a healthy run leaves it at 0", async () => {
      const { kube } = engines();
      sa = await serviceAccount(kube.kubeconfig, `ccm-rel-rbac-${run}`, false);
      const subjects = [{ kind: "ServiceAccount", name: `ccm-rel-rbac-${run}`, namespace: "kube-system" }];
      const clusterRole = (rules: PolicyRule[]) => ({ metadata: { name: role }, rules });
      // What the Pulumi program grants the CCM (components/kubernetes/rbac.ts), nothing more.
      await rbac().createClusterRole({ body: clusterRole(clusterRules()) });
      await rbac().createClusterRoleBinding({
        body: {
          metadata: { name: role },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
          subjects,
        },
      });
      await rbac().createNamespacedRole({
        namespace: "kube-system",
        body: {
          metadata: { name: role },
          rules: [...credentialsRules(secretName), ...leaderElectionRules(leaseName)],
        },
      });
      await rbac().createNamespacedRoleBinding({
        namespace: "kube-system",
        body: {
          metadata: { name: role },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
          subjects,
        },
      });
      ccm = await startCcm(
        ccmOptions("rbac", {
          leaseName,
          kubeconfig: await sa.kubeconfig(join(work, "rbac.kubeconfig")),
          cloudConfig: await cloudConfig("rbac.yaml"),
        }),
      );
      await ccm.waitReady();
      await until("the replica to lead", () => ccm.logs().includes('"became leader"'));
      const metrics = async () => {
        const r = await ccm.get("/metrics", kube.adminToken);
        expect(r.status).toBe(200);
        return r.body;
      };
      const errors = async (controller: string) =>
        metricValue(await metrics(), "vsphere_ccm_reconcile_errors_total", { controller });

      // Healthy: a node initialized with the production RBAC, and every controller's series at 0.
      const healthy = await register(api, "rbac-ok", vms[3]);
      await initialized(api, healthy);
      const body = await metrics();
      expect(body).toContain("# TYPE vsphere_ccm_reconcile_errors_total counter");
      for (const controller of ["init", "addresses", "lifecycle"]) {
        expect(body).toMatch(new RegExp(`^vsphere_ccm_reconcile_errors_total\\{controller="${controller}"\\} 0$`, "m"));
      }
      expect(metricValue(body, "vsphere_ccm_reconciles_total", { controller: "init", result: "initialized" })).toBe(1);

      // Node writes taken away (reads, Events, reviews, the Lease and the Secret stay).
      await rbac().replaceClusterRole({ name: role, body: clusterRole(withoutNodeWrites(clusterRules())) });
      // Asked as the admin, about the CCM's account: the change is in force once this says no.
      const kc = new KubeConfig();
      kc.loadFromFile(kube.kubeconfig);
      const reviews = kc.makeApiClient(AuthorizationV1Api);
      await until("RBAC to deny the CCM node status writes", async () => {
        const r = await reviews.createSubjectAccessReview({
          body: {
            spec: {
              user: sa.username,
              groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
              resourceAttributes: { verb: "update", resource: "nodes", subresource: "status", name: "x" },
            },
          },
        });
        return r.status?.allowed === false;
      });
      const refused = await register(api, "rbac-refused", vms[4]);
      // Every failed attempt counts (the queue retries with backoff: 0.2 s, 0.4 s, ...).
      await until("failed initializations counted", async () => (await errors("init")) >= 3);
      expect(ccm.logs()).toMatch(
        /"node initialization failed".*rbac-refused|rbac-refused.*"node initialization failed"/,
      );
      const still = await api.readNode({ name: refused });
      expect(taintKeys(still)).toContain(TAINT_UNINITIALIZED);
      // Counted by controller: the others had nothing to write and failed nothing.
      expect(await errors("addresses")).toBe(0);
      expect(await errors("lifecycle")).toBe(0);

      // Rights back: the retries go on, and the node is initialized without a restart.
      await rbac().replaceClusterRole({ name: role, body: clusterRole(clusterRules()) });
      await initialized(api, refused);
      const settled = await errors("init");
      await sleep(1000);
      expect(await errors("init")).toBe(settled);
    });
  });

  describe("cloud config files", () => {
    const noStack = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

    it("refuses a YAML with a bad port and an INI without a server: exit 1, the key named, no stack trace", async () => {
      const { kube } = engines();
      const yaml = join(work, "bad-port.yaml");
      await writeFile(
        yaml,
        `global:\n  port: 70000\n  secretName: ${secretName}\n  secretNamespace: kube-system\nvcenter:\n  vc1:\n    server: ${v.host}\n    datacenters: [DC0]\n`,
      );
      const ini = join(work, "no-server.ini");
      await writeFile(
        ini,
        `[Global]\nuser = "${v.username}"\npassword = "secret"\nport = "443"\ndatacenters = "DC0"\n`,
      );
      for (const [file, key, what] of [
        [yaml, "global.port (line 2)", /"70000" is not a TCP port/],
        [ini, '[VirtualCenter "<server>"]', /no vCenter is configured.*server = <host> in \[Global\]/],
      ] as const) {
        const r = await runCcmOnce([
          `--cloud-config=${file}`,
          `--kubeconfig=${kube.kubeconfig}`,
          "--bind-address=127.0.0.1",
          "--secure-port=0",
        ]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/^the cloud config has 1 problem:/);
        expect(r.stderr).toContain(key);
        expect(r.stderr).toMatch(what);
        expect(r.stderr).not.toMatch(noStack);
      }
    });

    it("migrate-config turns an in-tree INI into YAML that loads to the same config and runs the CCM", async () => {
      const { kube } = engines();
      const ini = join(work, "in-tree.conf");
      const text = [
        "[Global]",
        `user = "${v.username}"`,
        `password = "${v.password}"`,
        `port = "${v.port}"`,
        'insecure-flag = "0"',
        `ca-file = "${v.caFile}"`,
        'datacenters = "DC0"',
        "",
        `[VirtualCenter "${v.host}"]`,
        "",
        "[Workspace]",
        `server = "${v.host}"`,
        'datacenter = "DC0"',
        'default-datastore = "LocalDS_0"',
        'folder = "kubernetes"',
        "",
        "[Disk]",
        'scsicontrollertype = "pvscsi"',
        "",
      ].join("\n");
      await writeFile(ini, text, { mode: 0o600 });
      const r = await runCcmOnce(["migrate-config", ini]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^dropped \[Workspace\]/m);
      expect(r.stderr).toMatch(/^dropped \[Disk\]/m);
      expect(loadConfig(r.stdout).format).toBe("yaml");
      expect(loadConfig(r.stdout).config).toEqual(loadConfig(text).config);
      const yaml = join(work, "migrated.yaml");
      await writeFile(yaml, r.stdout, { mode: 0o600 });
      // And the controller runs on it: inventory synced from our vcsim with the migrated settings.
      const ccm = await startCcm(ccmOptions("migrated", { kubeconfig: kube.kubeconfig, cloudConfig: yaml }));
      try {
        await ccm.waitReady();
      } finally {
        await ccm.stop();
      }
    });
  });
});
