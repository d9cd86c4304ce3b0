// The CCM process on busy VMs: guests rewriting large extraConfig keys and flipping IPs must not
// re-plan Nodes those VMs cannot affect, and must not hide the changes that matter. Exact counts
// from the CCM's own /metrics (vsphere_ccm_reconciles_total), judged against the apiserver.
import type { CoreV1Api, V1Node } from "@kubernetes/client-node";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";

const run = `${process.pid}`;
const GHOSTS = 10;

function metricValue(body: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

describe("the CCM under VM churn", () => {
  let v: Vcsim;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  let ccm: CcmProcess;
  const paths: string[] = [];
  const name = (what: string) => `churn-${run}-${what}`;
  const secretName = `vsphere-cloud-secret-churn-${run}`;

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    v = await startVcsim(dir, await enginesPki(), { name: "vcsim-churn", hostsPerCluster: 1, vmsPerPool: 6 });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    await govc("tags.category.create", "k8s-region");
    await govc("tags.category.create", "k8s-zone");
    await govc("tags.create", "-c", "k8s-region", "region-1");
    await govc("tags.create", "-c", "k8s-zone", "zone-a");
    await govc("tags.attach", "-c", "k8s-region", "region-1", "/DC0");
    await govc("tags.attach", "-c", "k8s-zone", "zone-a", "/DC0/host/DC0_C0");
    paths.push(...(await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort());
    // What VMware Tools reports: node a's VM has its IP and host name; VM1 an IP (its host name
    // comes later, as the positive control).
    await govc(
      "vm.change",
      "-vm",
      paths[0],
      "-e",
      "SET.guest.ipAddress=10.30.0.10",
      "-e",
      `SET.guest.hostName=${name("a")}`,
    );
    await govc("vm.change", "-vm", paths[1], "-e", "SET.guest.ipAddress=10.30.0.21");
    api = await apiWithCredentialsSecret(kube.kubeconfig, secretName, v);
    work = await mkdtemp(join(tmpdir(), "ccm-churn-"));
    const cfg = join(work, "vsphere.conf");
    await writeFile(cfg, secretCloudConfig(v, secretName, ["labels:", "  region: k8s-region", "  zone: k8s-zone"]));
    ccm = await startCcm({
      cloudConfig: cfg,
      kubeconfig: kube.kubeconfig,
      leaseName: `ccm-churn-${run}`,
      pki: await enginesPki(),
    });
    await ccm.waitReady();
  });

  afterAll(async () => {
    await ccm?.stop();
    const ours = (await api.listNode({})).items.filter((n) => n.metadata?.name?.startsWith(`churn-${run}-`));
    for (const n of ours) await api.deleteNode({ name: n.metadata?.name ?? "" }).catch(() => {});
    await api.deleteNamespacedSecret({ namespace: "kube-system", name: secretName }).catch(() => {});
    await stopVcsim(engines().dir, "vcsim-churn");
    if (work) await rm(work, { recursive: true, force: true });
    if (process.env.VSCP_SHOW_CCM_LOGS) console.log(ccm?.logs());
  });

  const reconciles = async (result: string) => {
    const r = await ccm.get("/metrics", engines().kube.adminToken);
    expect(r.status).toBe(200);
    return metricValue(r.body, "vsphere_ccm_reconciles_total", { controller: "init", result });
  };
  const node = (n: string) => api.readNode({ name: n });
  const internalIp = (n: V1Node) => n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;

  it("re-plans no pending Node for churn on VMs none of them can match, and still applies the changes that matter", async () => {
    const uuid = (await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", paths[0]))
      .virtualMachines[0].config.uuid;
    await api.createNode({ body: kubeletNode(name("a"), uuid) });
    const a = await until("node a initialized", async () =>
      ((n) => (isInitialized(n) ? n : undefined))(await node(name("a"))),
    );
    expect(internalIp(a)).toBe("10.30.0.10");
    // Nodes no VM matches (yet): each waits, with an Event saying why.
    for (let i = 0; i < GHOSTS; i++)
      await api.createNode({
        body: kubeletNode(name(`ghost-${i}`), `4211ffff-0000-0000-0000-${String(i).padStart(12, "0")}`),
      });
    await until("every ghost planned once", async () => (await reconciles("pending")) >= GHOSTS);
    // Settled: the count no longer moves (nothing else re-plans them while vCenter is quiet).
    let pending = await reconciles("pending");
    await until("pending count settled", async () => {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await reconciles("pending");
      const same = now === pending;
      pending = now;
      return same;
    });
    const initialized = await reconciles("initialized");

    // Churn: large guestinfo rewrites on four VMs, an IP flip on a VM no Node uses, and the IP of
    // node a's VM changing in the middle of it.
    for (let round = 0; round < 2; round++) {
      for (const p of paths.slice(1, 5))
        await govc("vm.change", "-vm", p, "-e", `guestinfo.appInfo=${String(round).repeat(30_000)}`);
      await govc("vm.change", "-vm", paths[5], "-e", `SET.guest.ipAddress=10.30.9.${round + 1}`);
      if (round === 0) await govc("vm.change", "-vm", paths[0], "-e", "SET.guest.ipAddress=10.30.0.11");
    }
    // Positive control, last in the feed: a VM now reports ghost-0's name as its guest host name.
    await govc("vm.change", "-vm", paths[1], "-e", `SET.guest.hostName=${name("ghost-0")}`);
    await until("ghost-0 initialized", async () => isInitialized(await node(name("ghost-0"))) || undefined);
    await until("node a follows its VM's new IP", async () => internalIp(await node(name("a"))) === "10.30.0.11");

    // Exactly: the other nine ghosts were not planned again; ghost-0 went straight to initialized.
    expect(await reconciles("pending")).toBe(pending);
    expect(await reconciles("initialized")).toBeGreaterThanOrEqual(initialized + 1);
    for (let i = 1; i < GHOSTS; i++) expect(isInitialized(await node(name(`ghost-${i}`)))).toBe(false);
  });
});
