// Drop-in replacement: the CCM process under upstream's own RBAC (the ClusterRole
// system:cloud-controller-manager from cloud-provider-vsphere's release manifest, nothing added),
// with that ServiceAccount's token. Upstream grants only `patch` on nodes/status, so this proves
// the Node writes are patches; and the lease and Events fit the same grants.
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
import { createServiceAccount, type TestServiceAccount } from "../env/service-account.js";
import { UPSTREAM_CLUSTER_ROLE } from "../env/upstream-rbac.js";
import { startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";

const run = `${process.pid}`;
const VCSIM = "vcsim-ccm-rbac";

describe("the CCM under upstream's ClusterRole", () => {
  let v: Vcsim;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  let sa: TestServiceAccount;
  let ccm: CcmProcess;
  const nodeName = `ccm-rbac-${run}`;
  const secretName = `vsphere-cloud-secret-rbac-${run}`;
  let vm: { path: string; uuid: string };

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    v = await startVcsim(dir, await enginesPki(), {
      name: VCSIM,
      clustersPerDatacenter: 1,
      hostsPerCluster: 1,
      vmsPerPool: 1,
    });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    const path = (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort()[0];
    const info = await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", path);
    vm = { path, uuid: info.virtualMachines[0].config.uuid };
    await govc(
      "vm.change",
      "-vm",
      path,
      "-e",
      "SET.guest.ipAddress=10.30.0.10",
      "-e",
      `SET.guest.hostName=${nodeName}`,
    );

    api = await apiWithCredentialsSecret(kube.kubeconfig, secretName, v);
    work = await mkdtemp(join(tmpdir(), "ccm-rbac-"));
    const cfg = join(work, "vsphere.conf");
    await writeFile(cfg, secretCloudConfig(v, secretName));
    sa = await createServiceAccount({
      adminKubeconfig: kube.kubeconfig,
      name: `ccm-upstream-rbac-${run}`,
      clusterRole: UPSTREAM_CLUSTER_ROLE,
    });
    ccm = await startCcm({
      cloudConfig: cfg,
      kubeconfig: await sa.kubeconfig(join(work, "kubeconfig")),
      leaseName: `ccm-rbac-${run}`,
      pki: await enginesPki(),
    });
    await ccm.waitReady();
  });

  afterAll(async () => {
    await ccm?.stop();
    if (process.env.VSCP_SHOW_CCM_LOGS) console.log(ccm?.logs());
    await api?.deleteNode({ name: nodeName }).catch(() => {});
    await api?.deleteNamespacedSecret({ namespace: "kube-system", name: secretName }).catch(() => {});
    await sa?.remove();
    await stopVcsim(engines().dir, VCSIM);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("initializes a Node and keeps its addresses current, with no permission error", async () => {
    await api.createNode({ body: kubeletNode(nodeName, vm.uuid) });
    const n = await until(`node ${nodeName} initialized`, async (): Promise<V1Node | undefined> => {
      const node = await api.readNode({ name: nodeName });
      return isInitialized(node) ? node : undefined;
    });
    expect(n.spec?.providerID).toBe(`vsphere://${vm.uuid}`);
    expect(n.status?.addresses).toContainEqual({ type: "InternalIP", address: "10.30.0.10" });

    await govc("vm.change", "-vm", vm.path, "-e", "SET.guest.ipAddress=10.30.0.11");
    await until("address followed", async () => {
      const node = await api.readNode({ name: nodeName });
      return node.status?.addresses?.some((a) => a.type === "InternalIP" && a.address === "10.30.0.11") || undefined;
    });
    const events = await api.listNamespacedEvent({
      namespace: "default",
      fieldSelector: `involvedObject.name=${nodeName}`,
    });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(["Initialized", "AddressesUpdated"]));
    expect(ccm.logs()).not.toMatch(/forbidden/i);
  });
});
