// The CCM as a process, exactly as the DaemonSet runs it (bin + --cloud-config + credentials in a
// Secret), against its own vcsim and the shared kube-apiserver. Nodes are created the way a
// kubelet registers them; a separate reader (this test) judges the outcome, not the CCM's view.
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isInitialized,
  kubeletNode,
  runCcmOnce,
  startCcm,
  TAINT_UNINITIALIZED as TAINT,
  until,
  type CcmProcess,
} from "../env/ccm.js";
import { engines, enginesPki } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";
import { swapUuid } from "../../controller/cloud/uuid.js";

const run = `${process.pid}`;

interface VmInfo {
  path: string;
  name: string;
  uuid: string;
  ip: string;
}

describe("the CCM process", () => {
  let v: Vcsim;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  let ccm: CcmProcess;
  const vms: VmInfo[] = [];
  const nodeName = (vm: VmInfo) => `ccm-${run}-${vm.name.toLowerCase().replace(/_/g, "-")}`;

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    v = await startVcsim(dir, await enginesPki(), {
      name: "vcsim-ccm",
      clustersPerDatacenter: 2,
      hostsPerCluster: 1,
      vmsPerPool: 2,
    });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    // Tags: region on the datacenter, one zone per cluster.
    await govc("tags.category.create", "k8s-region");
    await govc("tags.category.create", "k8s-zone");
    await govc("tags.create", "-c", "k8s-region", "region-1");
    await govc("tags.create", "-c", "k8s-zone", "zone-a");
    await govc("tags.create", "-c", "k8s-zone", "zone-b");
    await govc("tags.attach", "-c", "k8s-region", "region-1", "/DC0");
    await govc("tags.attach", "-c", "k8s-zone", "zone-a", "/DC0/host/DC0_C0");
    await govc("tags.attach", "-c", "k8s-zone", "zone-b", "/DC0/host/DC0_C1");
    const paths = (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort();
    for (const [i, path] of paths.entries()) {
      const ip = `10.20.0.${10 + i}`;
      const info = await govc.json<{ virtualMachines: { config: { uuid: string; name: string } }[] }>(
        "vm.info",
        "-json",
        path,
      );
      const vm = { path, name: info.virtualMachines[0].config.name, uuid: info.virtualMachines[0].config.uuid, ip };
      // What VMware Tools reports in a real guest: its IP and the host name the kubelet registers.
      await govc(
        "vm.change",
        "-vm",
        path,
        "-e",
        `SET.guest.ipAddress=${ip}`,
        "-e",
        `SET.guest.hostName=${nodeName(vm)}`,
      );
      vms.push(vm);
    }

    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    api = kc.makeApiClient(CoreV1Api);
    const secretName = `vsphere-cloud-secret-${run}`;
    await api.createNamespacedSecret({
      namespace: "kube-system",
      body: {
        metadata: { name: secretName },
        stringData: { [`${v.host}.username`]: v.username, [`${v.host}.password`]: v.password },
      },
    });
    work = await mkdtemp(join(tmpdir(), "ccm-"));
    const cfg = join(work, "vsphere.conf");
    await writeFile(
      cfg,
      [
        "global:",
        `  port: ${v.port}`,
        `  caFile: ${v.caFile}`,
        `  secretName: ${secretName}`,
        "  secretNamespace: kube-system",
        "vcenter:",
        "  vc1:",
        `    server: ${v.host}`,
        "    datacenters: [DC0]",
        "labels:",
        "  region: k8s-region",
        "  zone: k8s-zone",
        "",
      ].join("\n"),
    );
    ccm = await startCcm({
      cloudConfig: cfg,
      kubeconfig: kube.kubeconfig,
      leaseName: `ccm-${run}`,
      pki: await enginesPki(),
      args: ["--use-service-account-credentials"],
    });
    await ccm.waitReady();
  });

  afterAll(async () => {
    await ccm?.stop();
    for (const vm of vms) await api.deleteNode({ name: nodeName(vm) }).catch(() => {});
    await api.deleteNamespacedSecret({ namespace: "kube-system", name: `vsphere-cloud-secret-${run}` }).catch(() => {});
    await stopVcsim(engines().dir, "vcsim-ccm");
    if (work) await rm(work, { recursive: true, force: true });
    if (process.env.VSCP_SHOW_CCM_LOGS) console.log(ccm?.logs());
  });

  /** Registers a Node the way a kubelet does: tainted, with its system UUID and host name. */
  async function register(vm: VmInfo, systemUUID: string): Promise<void> {
    await api.createNode({ body: kubeletNode(nodeName(vm), systemUUID) });
  }

  const initialized = (name: string) => async (): Promise<V1Node | undefined> => {
    const n = await api.readNode({ name });
    return isInitialized(n) ? n : undefined;
  };

  it("initializes nodes registered by UUID (also byte-swapped): providerID, addresses, zone, region, instance type", async () => {
    await register(vms[0], vms[0].uuid.toUpperCase());
    await register(vms[1], swapUuid(vms[1].uuid));
    await register(vms[2], vms[2].uuid);
    for (const vm of vms.slice(0, 3)) {
      const n = await until(`node ${nodeName(vm)} initialized`, initialized(nodeName(vm)));
      expect(n.spec?.providerID).toBe(`vsphere://${vm.uuid}`);
      expect(n.status?.addresses).toContainEqual({ type: "InternalIP", address: vm.ip });
      expect(n.metadata?.labels?.["topology.kubernetes.io/region"]).toBe("region-1");
      expect(n.metadata?.labels?.["topology.kubernetes.io/zone"]).toBe(vm.path.includes("_C0_") ? "zone-a" : "zone-b");
      expect(n.metadata?.labels?.["failure-domain.beta.kubernetes.io/zone"]).toBe(
        n.metadata?.labels?.["topology.kubernetes.io/zone"],
      );
      expect(n.metadata?.labels?.["node.kubernetes.io/instance-type"]).toMatch(/^vsphere-vm\.cpu-\d+\.mem-\d+gb\.os-/);
    }
  });

  it("explain says which VM matched and how, which address was chosen, and where the zone tags are", async () => {
    const vm = vms[0];
    await until(`node ${nodeName(vm)} initialized`, initialized(nodeName(vm)));
    const r = await runCcmOnce([
      "explain",
      nodeName(vm),
      `--cloud-config=${join(work, "vsphere.conf")}`,
      `--kubeconfig=${engines().kube.kubeconfig}`,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`result: VM vc1/${vm.name} (matched by providerID)`);
    expect(r.stdout).toMatch(/InternalIP 10\.20\.\d+\.\d+/);
    expect(r.stdout).toMatch(/zone.*zone-a|zone-a.*DC0_C0/);
    expect(r.stdout).toContain("label topology.kubernetes.io/region=region-1");
  });

  it("keeps the taint and says why in an Event when no VM matches", async () => {
    const ghost = { path: "", name: "ghost", uuid: "4211ffff-0000-0000-0000-00000000beef", ip: "" };
    await register(ghost, ghost.uuid);
    const ev = await until("InitializationPending event", async () => {
      const evs = await api.listNamespacedEvent({
        namespace: "default",
        fieldSelector: `involvedObject.name=${nodeName(ghost)}`,
      });
      return evs.items.find((e) => e.reason === "InitializationPending");
    });
    expect(ev.message).toMatch(/4211ffff-0000-0000-0000-00000000beef/);
    const n = await api.readNode({ name: nodeName(ghost) });
    expect((n.spec?.taints ?? []).map((t) => t.key)).toContain(TAINT);
    await api.deleteNode({ name: nodeName(ghost) });
  });

  it("follows a guest IP change to the Node's addresses", async () => {
    const vm = vms[0];
    await until("initialized", initialized(nodeName(vm)));
    await govc("vm.change", "-vm", vm.path, "-e", "SET.guest.ipAddress=10.20.1.99");
    await until("address followed", async () => {
      const n = await api.readNode({ name: nodeName(vm) });
      return n.status?.addresses?.some((a) => a.type === "InternalIP" && a.address === "10.20.1.99") || undefined;
    });
  });

  it("taints a NotReady node whose VM is off, not a Ready one, and deletes a node whose VM is gone", async () => {
    const [a, b, c] = vms;
    for (const vm of [a, b, c]) await until("initialized", initialized(nodeName(vm)));
    const setReady = (vm: VmInfo, status: "True" | "False") =>
      api.patchNodeStatus({
        name: nodeName(vm),
        body: [
          {
            op: "add",
            path: "/status/conditions",
            value: [
              {
                type: "Ready",
                status,
                reason: "Test",
                message: "test",
                lastHeartbeatTime: new Date(),
                lastTransitionTime: new Date(),
              },
            ],
          },
        ],
      });
    await setReady(a, "False");
    await setReady(b, "True");
    await setReady(c, "False");
    await govc("vm.power", "-off", a.path);
    await govc("vm.power", "-off", b.path);
    await govc("vm.power", "-off", c.path);
    await govc("vm.destroy", c.path);
    await until("shutdown taint on NotReady+off", async () => {
      const n = await api.readNode({ name: nodeName(a) });
      return (n.spec?.taints ?? []).some((t) => t.key === "node.cloudprovider.kubernetes.io/shutdown") || undefined;
    });
    await until("node of destroyed VM deleted", async () => {
      const gone = await api.readNode({ name: nodeName(c) }).then(
        () => false,
        (e: { code?: number }) => e.code === 404,
      );
      return gone || undefined;
    });
    // Positive control in the same run: the Ready node on a powered-off VM stays untainted.
    const nb = await api.readNode({ name: nodeName(b) });
    expect((nb.spec?.taints ?? []).map((t) => t.key)).not.toContain("node.cloudprovider.kubernetes.io/shutdown");
    // Power back on: the taint goes.
    await govc("vm.power", "-on", a.path);
    await until("shutdown taint removed", async () => {
      const n = await api.readNode({ name: nodeName(a) });
      return !(n.spec?.taints ?? []).some((t) => t.key === "node.cloudprovider.kubernetes.io/shutdown") || undefined;
    });
  });
});
