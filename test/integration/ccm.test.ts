// The CCM as a process, exactly as the DaemonSet runs it (bin + --cloud-config + credentials in a
// Secret), against its own vcsim and the shared kube-apiserver. Nodes are created the way a
// kubelet registers them; a separate reader (this test) judges the outcome, not the CCM's view.
import type { CoreV1Api, CoreV1Event, V1Node } from "@kubernetes/client-node";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiWithCredentialsSecret,
  type CcmOptions,
  type CcmProcess,
  isInitialized,
  kubeletNode,
  runCcmOnce,
  secretCloudConfig,
  startCcm,
  TAINT_UNINITIALIZED as TAINT,
  until,
} from "../env/ccm.js";
import { engines, enginesPki } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";
import { swapUuid } from "../../controller/cloud/uuid.js";

const run = `${process.pid}`;
/** --tag-refresh-period of the CCM under test: short, so a tag attached later is seen in seconds. */
const TAG_REFRESH_MS = 2000;

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
  let ccmOptions: CcmOptions;
  const vms: VmInfo[] = [];
  const nodeName = (vm: VmInfo) => `ccm-${run}-${vm.name.toLowerCase().replace(/_/g, "-")}`;

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    v = await startVcsim(dir, await enginesPki(), {
      name: "vcsim-ccm",
      clustersPerDatacenter: 2,
      hostsPerCluster: 1,
      // DC0_H0: a standalone host with no zone tag (its VMs sort after the clusters' ones).
      standaloneHosts: 1,
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

    const secretName = `vsphere-cloud-secret-${run}`;
    api = await apiWithCredentialsSecret(kube.kubeconfig, secretName, v);
    work = await mkdtemp(join(tmpdir(), "ccm-"));
    const cfg = join(work, "vsphere.conf");
    await writeFile(cfg, secretCloudConfig(v, secretName, ["labels:", "  region: k8s-region", "  zone: k8s-zone"]));
    ccmOptions = {
      cloudConfig: cfg,
      kubeconfig: kube.kubeconfig,
      leaseName: `ccm-${run}`,
      pki: await enginesPki(),
      args: ["--use-service-account-credentials", `--tag-refresh-period=${TAG_REFRESH_MS / 1000}s`],
    };
    ccm = await startCcm(ccmOptions);
    await ccm.waitReady();
  });

  afterAll(async () => {
    await ccm?.stop();
    const ours = (await api.listNode({})).items.filter((n) => n.metadata?.name?.startsWith(`ccm-${run}-`));
    for (const n of ours) await api.deleteNode({ name: n.metadata?.name ?? "" }).catch(() => {});
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

  /** Events about this file's Nodes, as the apiserver holds them. */
  async function ourEvents(): Promise<CoreV1Event[]> {
    const evs = await api.listNamespacedEvent({ namespace: "default" });
    return evs.items.filter((e) => e.involvedObject.name?.startsWith(`ccm-${run}-`));
  }

  const eventsOf = async (name: string, reason?: string) =>
    (await ourEvents()).filter((e) => e.involvedObject.name === name && (!reason || e.reason === reason));

  const vmOn = (pathPart: string): VmInfo => {
    const vm = vms.find((x) => x.path.includes(pathPart));
    if (!vm) throw new Error(`no VM with ${pathPart} in its path among ${vms.map((x) => x.path).join(", ")}`);
    return vm;
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
  it("initializes a node waiting for its zone tag within one tag refresh of the tag being attached, without a restart", async () => {
    const vm = vmOn("/DC0_H0_VM0");
    const name = nodeName(vm);
    await register(vm, vm.uuid);
    // The standalone host DC0_H0 has no zone tag: the node waits, and its Event says why.
    const ev = await until("InitializationPending naming the missing zone tag", async () =>
      (await eventsOf(name, "InitializationPending")).find((e) => /zone\/region tags not found/.test(e.message ?? "")),
    );
    expect(ev.message).toContain(
      'host path host DC0_H0 > compute resource DC0_H0 > folder host > datacenter DC0 has no zone ("k8s-zone") tag',
    );
    // Control: with nothing attached, two more tag refreshes leave it waiting.
    await sleep(2 * TAG_REFRESH_MS + 500);
    expect(isInitialized(await api.readNode({ name }))).toBe(false);

    // The operator attaches the tag in vCenter; neither the Node nor the VM changes.
    const pid = ccm.child.pid;
    await govc("tags.create", "-c", "k8s-zone", "zone-h");
    await govc("tags.attach", "-c", "k8s-zone", "zone-h", "/DC0/host/DC0_H0");
    const attached = Date.now();
    const n = await until(`node ${name} initialized`, initialized(name), 30_000, 50);
    const tookMs = Date.now() - attached;
    console.log(`[ccm] node initialized ${(tookMs / 1000).toFixed(1)} s after its zone tag was attached`);
    // One refresh period, plus the read and the write on a loaded 2-core machine.
    expect(tookMs).toBeLessThan(TAG_REFRESH_MS + 3000);
    expect(n.metadata?.labels?.["topology.kubernetes.io/zone"]).toBe("zone-h");
    expect(n.metadata?.labels?.["topology.kubernetes.io/region"]).toBe("region-1");
    expect(ccm.child.pid).toBe(pid);
    expect(ccm.child.exitCode).toBeNull();
  });

  it("leaves an initialized node's zone label alone when its tag changes (zones are set at initialization, as upstream)", async () => {
    const first = nodeName(vmOn("/DC0_H0_VM0"));
    expect((await api.readNode({ name: first })).metadata?.labels?.["topology.kubernetes.io/zone"]).toBe("zone-h");
    await govc("tags.detach", "-c", "k8s-zone", "zone-h", "/DC0/host/DC0_H0");
    await govc("tags.create", "-c", "k8s-zone", "zone-h2");
    await govc("tags.attach", "-c", "k8s-zone", "zone-h2", "/DC0/host/DC0_H0");
    // Tags are cached: the change is seen at the next refresh.
    await sleep(TAG_REFRESH_MS + 1000);
    // Positive control: the new tag was read; a node initialized now on the same host gets it.
    const vm = vmOn("/DC0_H0_VM1");
    await register(vm, vm.uuid);
    const second = await until(`node ${nodeName(vm)} initialized`, initialized(nodeName(vm)));
    expect(second.metadata?.labels?.["topology.kubernetes.io/zone"]).toBe("zone-h2");
    const labels = (await api.readNode({ name: first })).metadata?.labels ?? {};
    expect(labels["topology.kubernetes.io/zone"]).toBe("zone-h");
    expect(labels["failure-domain.beta.kubernetes.io/zone"]).toBe("zone-h");
    // The way to relabel (docs/troubleshooting.md): put the uninitialized taint back, as a
    // re-registering kubelet does; the node is initialized again with the current tag.
    const taints = (await api.readNode({ name: first })).spec?.taints ?? [];
    await api.patchNode({
      name: first,
      body: [
        { op: "add", path: "/spec/taints", value: [...taints, { key: TAINT, value: "true", effect: "NoSchedule" }] },
      ],
    });
    await until("relabelled after re-initialization", async () => {
      const n = await api.readNode({ name: first });
      return isInitialized(n) && n.metadata?.labels?.["topology.kubernetes.io/zone"] === "zone-h2";
    });
  });

  it("after a restart writes no Event from before its first tag read; a node with no VM still gets its Event", async () => {
    const initializedBefore = (await api.listNode({})).items
      .filter((n) => n.metadata?.name?.startsWith(`ccm-${run}-`) && isInitialized(n))
      .map((n) => n.metadata?.name ?? "");
    expect(initializedBefore.length).toBeGreaterThanOrEqual(3);
    await ccm.stop();
    const seen = new Map((await ourEvents()).map((e) => [e.metadata?.name ?? "", e.count ?? 1]));
    // Registered while the controller is down: a VM in a tagged cluster (initializable once the
    // tags are read), and a node whose VM does not exist (genuinely pending).
    const tagged = vmOn("/DC0_C1_RP0_VM1");
    await register(tagged, tagged.uuid);
    const ghost = { path: "", name: "ghost-2", uuid: "4211ffff-0000-0000-0000-00000000f00d", ip: "" };
    await register(ghost, ghost.uuid);

    ccm = await startCcm(ccmOptions);
    await ccm.waitReady();
    await until(`node ${nodeName(tagged)} initialized`, initialized(nodeName(tagged)));
    await until("Initialized event", async () => (await eventsOf(nodeName(tagged), "Initialized")).length > 0);
    const pending = await until(
      "InitializationPending event of the node with no VM",
      async () => (await eventsOf(nodeName(ghost), "InitializationPending"))[0],
    );
    expect(pending.message).toContain(ghost.uuid);
    // Everything this process wrote: Events new since the stop, or counted again.
    const fresh = (await ourEvents()).filter((e) => seen.get(e.metadata?.name ?? "") !== (e.count ?? 1));
    const summary = fresh.map((e) => `${e.involvedObject.name}: ${e.reason}: ${e.message}`);
    expect(summary.filter((l) => /not read yet|not synced/.test(l))).toEqual([]);
    expect(fresh.filter((e) => e.involvedObject.name === nodeName(tagged)).map((e) => e.reason)).toEqual([
      "Initialized",
    ]);
    expect(fresh.filter((e) => initializedBefore.includes(e.involvedObject.name ?? ""))).toEqual([]);
    expect(fresh.filter((e) => e.involvedObject.name === nodeName(ghost)).map((e) => e.reason)).toEqual([
      "InitializationPending",
    ]);
  });
});
