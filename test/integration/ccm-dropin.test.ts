// Drop-in behaviours of upstream v1.36 that users rely on, with the CCM as a process against its
// own vcsim and the shared kube-apiserver:
//   - zones: the vSphere CSI driver's rule (a cluster's zone wins over its host's), and upstream's
//     third walk (tags on the VM itself and on its folder);
//   - --controllers=*,-cloud-node-lifecycle leaves a destroyed VM's Node in place (positive
//     control: the same Node is deleted by a CCM started with the default "*");
//   - the cloud config watched: an address rule applied live, a vCenter change ending the process;
//   - the kubelet's --node-ip preference in dual stack surviving an address change, and a node IP
//     the VM no longer has blocking the update (as upstream).
import type { CoreV1Api, V1Node } from "@kubernetes/client-node";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiWithCredentialsSecret,
  type CcmOptions,
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
import { sessionFor, startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";
import { asMoRef, typed } from "../../vsphere/soap/codec.js";
import { waitForTask } from "../../vsphere/task.js";

const run = `${process.pid}`;
const VCSIM = "vcsim-ccm-dropin";
const LABEL_ZONE = "topology.kubernetes.io/zone";
const LABELS = ["labels:", "  region: k8s-region", "  zone: k8s-zone"];

interface VmInfo {
  path: string;
  uuid: string;
  ip: string;
  host: string;
}

const notFound = (e: unknown) => (e as { code?: number }).code === 404;

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

describe("the CCM as a drop-in for upstream v1.36", () => {
  let v: Vcsim;
  let pki: Pki;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  const vms: Record<string, VmInfo> = {};
  const secretName = `vsphere-dropin-${run}`;
  const nodeName = (tag: string) => `dropin-${run}-${tag}`;

  const ccmOptions = (name: string, cloudConfig: string, args: string[] = [], env = {}): CcmOptions => ({
    cloudConfig,
    kubeconfig: engines().kube.kubeconfig,
    leaseName: `ccm-dropin-${name}-${run}`,
    pki,
    logFile: join(work, `${name}.log`),
    args: ["--tag-refresh-period=2s", ...args],
    env,
  });

  async function config(file: string, extra: string[] = LABELS): Promise<string> {
    const path = join(work, file);
    await writeFile(path, secretCloudConfig(v, secretName, extra));
    return path;
  }

  async function register(tag: string, vm: VmInfo, annotations?: Record<string, string>): Promise<string> {
    const body = kubeletNode(nodeName(tag), vm.uuid);
    if (annotations) body.metadata = { ...body.metadata, annotations };
    await api.createNode({ body });
    return nodeName(tag);
  }

  const initialized = (name: string) =>
    until(`node ${name} initialized`, async () => {
      const n = await api.readNode({ name });
      return isInitialized(n) ? n : undefined;
    });

  const addresses = (n: V1Node) => (n.status?.addresses ?? []).map((a) => `${a.type}=${a.address}`);

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    pki = await enginesPki();
    work = join(dir, `ccm-dropin-${run}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    v = await startVcsim(dir, pki, { name: VCSIM, clustersPerDatacenter: 2, hostsPerCluster: 1, vmsPerPool: 4 });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    for (const [i, path] of (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort().entries()) {
      const info = await govc.json<{ virtualMachines: { config: { uuid: string; name: string } }[] }>(
        "vm.info",
        "-json",
        path,
      );
      const name = info.virtualMachines[0].config.name;
      const vm = { path, uuid: info.virtualMachines[0].config.uuid, ip: `10.50.0.${10 + i}`, host: `vm-${i}` };
      await govc("vm.change", "-vm", path, "-e", `SET.guest.ipAddress=${vm.ip}`, "-e", `SET.guest.hostName=${vm.host}`);
      vms[name] = vm;
    }
    // Zones: region on the datacenter; on cluster C0 zone-b and on its host zone-c (the CSI
    // driver's case); cluster C1 and its host carry none, so its VMs need the third walk.
    for (const c of ["k8s-region", "k8s-zone"]) await govc("tags.category.create", c);
    await govc("tags.create", "-c", "k8s-region", "region-1");
    for (const z of ["zone-b", "zone-c", "zone-folder", "zone-vm"]) await govc("tags.create", "-c", "k8s-zone", z);
    await govc("tags.attach", "-c", "k8s-region", "region-1", "/DC0");
    await govc("tags.attach", "-c", "k8s-zone", "zone-b", "/DC0/host/DC0_C0");
    await govc("tags.attach", "-c", "k8s-zone", "zone-c", "/DC0/host/DC0_C0/DC0_C0_H0");
    // The third walk: one C1 VM moved into a tagged folder, another tagged itself.
    await govc("folder.create", "/DC0/vm/zoned");
    await govc("object.mv", vms.DC0_C1_RP0_VM0.path, "/DC0/vm/zoned");
    vms.DC0_C1_RP0_VM0.path = "/DC0/vm/zoned/DC0_C1_RP0_VM0";
    await govc("tags.attach", "-c", "k8s-zone", "zone-folder", "/DC0/vm/zoned");
    await govc("tags.attach", "-c", "k8s-zone", "zone-vm", vms.DC0_C1_RP0_VM1.path);
    api = await apiWithCredentialsSecret(kube.kubeconfig, secretName, v);
  });

  afterAll(async () => {
    const nodes = await api?.listNode({});
    for (const n of nodes?.items ?? []) {
      const name = n.metadata?.name ?? "";
      if (name.startsWith(`dropin-${run}-`)) await api.deleteNode({ name }).catch(() => {});
    }
    await api?.deleteNamespacedSecret({ namespace: "kube-system", name: secretName }).catch(() => {});
    await stopVcsim(engines().dir, VCSIM);
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe("with --controllers=*,-cloud-node-lifecycle", () => {
    let ccm: CcmProcess;

    beforeAll(async () => {
      ccm = await startCcm(
        ccmOptions("nolifecycle", await config("main.yaml"), ["--controllers=*,-cloud-node-lifecycle"]),
      );
      await ccm.waitReady();
    });

    afterAll(async () => {
      await ccm?.stop();
    });

    it("labels zones as the CSI driver: the cluster's zone over its host's; the VM's folder and the VM itself", async () => {
      const zones: Record<string, string | undefined> = {};
      for (const [tag, vm] of [
        ["csi", "DC0_C0_RP0_VM0"],
        ["folder", "DC0_C1_RP0_VM0"],
        ["vmtag", "DC0_C1_RP0_VM1"],
      ] as const) {
        const n = await initialized(await register(tag, vms[vm]));
        zones[tag] = n.metadata?.labels?.[LABEL_ZONE];
      }
      expect(zones).toEqual({ csi: "zone-b", folder: "zone-folder", vmtag: "zone-vm" });
    });

    it("leaves the Node of a destroyed VM in place, and the default '*' deletes it (positive control)", async () => {
      const vm = vms.DC0_C0_RP0_VM1;
      const name = await register("doomed", vm);
      await initialized(name);
      await api.patchNodeStatus({
        name,
        body: [
          {
            op: "add",
            path: "/status/conditions",
            value: [{ type: "Ready", status: "False", reason: "Test", message: "set by the test" }],
          },
        ],
      });
      // The gauge is set every few seconds: wait for its first value.
      const vmCount = async () => metricValue(await metricsOf(ccm), "vsphere_ccm_inventory_vms");
      const before = await until("the inventory gauge", async () => (await vmCount()) || undefined);
      await govc("vm.power", "-off", vm.path);
      await govc("vm.destroy", vm.path);
      // The controller has seen the VM go (its inventory gauge drops), and has no lifecycle loop.
      await until("the CCM's inventory to lose the VM", async () =>
        (await vmCount()) === before - 1 ? true : undefined,
      );
      const m = await metricsOf(ccm);
      expect(metricValue(m, "vsphere_ccm_reconciles_total", { controller: "lifecycle" })).toBe(0);
      expect(metricValue(m, "vsphere_ccm_reconciles_total", { controller: "init" })).toBeGreaterThan(0);
      expect(ccm.logs()).toContain(
        "node deletion and shutdown taints are off: --controllers disables cloud-node-lifecycle",
      );
      expect((await api.readNode({ name })).metadata?.name).toBe(name);

      await ccm.stop();
      const all = await startCcm(ccmOptions("all", await config("all.yaml")));
      try {
        await all.waitReady();
        await until("node of the destroyed VM deleted by the default controllers", () =>
          api.readNode({ name }).then(() => false, notFound),
        );
      } finally {
        await all.stop();
      }
    });
  });

  describe("a VM created after the last tag read", () => {
    it("gets its zone from its folder within seconds, not a --tag-refresh-period later", async () => {
      const ccm = await startCcm(ccmOptions("newvm", await config("newvm.yaml"), ["--tag-refresh-period=10m"]));
      try {
        await ccm.waitReady();
        const path = "/DC0/vm/zoned/dropin-new";
        await govc(
          "vm.create",
          "-folder",
          "/DC0/vm/zoned",
          "-pool",
          "/DC0/host/DC0_C1/Resources",
          "-ds",
          "LocalDS_0",
          "-net",
          "VM Network",
          "-on=true",
          "dropin-new",
        );
        const info = await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", path);
        const vm = { path, uuid: info.virtualMachines[0].config.uuid, ip: "10.50.1.10", host: "dropin-new" };
        await govc(
          "vm.change",
          "-vm",
          path,
          "-e",
          `SET.guest.ipAddress=${vm.ip}`,
          "-e",
          `SET.guest.hostName=${vm.host}`,
        );
        const n = await initialized(await register("newvm", vm));
        expect(n.metadata?.labels?.[LABEL_ZONE]).toBe("zone-folder");
      } finally {
        await ccm.stop();
      }
    });
  });

  describe("the cloud config file, changed under a running CCM", () => {
    it("applies an address rule live, then stops cleanly (exit 0) for a vCenter change", async () => {
      const file = await config("watched.yaml");
      const ccm = await startCcm(ccmOptions("watched", file));
      try {
        await ccm.waitReady();
        const vm = vms.DC0_C0_RP0_VM2;
        const name = await register("watched", vm);
        expect(addresses(await initialized(name))).toEqual([
          `Hostname=${vm.host}`,
          `InternalIP=${vm.ip}`,
          `ExternalIP=${vm.ip}`,
        ]);
        // Live: excluding the VM's subnet from InternalIP leaves ExternalIP alone.
        await writeFile(
          file,
          secretCloudConfig(v, secretName, [...LABELS, "nodes:", '  excludeInternalNetworkSubnetCidr: "10.50.0.0/16"']),
        );
        await until("addresses rewritten under the new rule", async () => {
          const n = await api.readNode({ name });
          return addresses(n).join() === [`Hostname=${vm.host}`, `ExternalIP=${vm.ip}`].join() || undefined;
        });
        expect(ccm.logs()).toContain("cloud config changed: applied without a restart");
        expect(ccm.child.exitCode).toBeNull();
        // Not live: another datacenter list rebuilds the inventory scope; the process ends by itself.
        const text = await readFile(file, "utf8");
        await writeFile(file, text.replace("datacenters: [DC0]", "datacenters: [DC0, DC1]"));
        const code = await Promise.race([
          ccm.exited,
          until("the CCM to exit after the vCenter change", () => false, 30_000),
        ]);
        expect(code).toBe(0);
        expect(ccm.logs()).toContain("cloud config changed: stopping so the pod restarts with it (as upstream)");
      } finally {
        await ccm.stop();
      }
    });
  });

  describe("in dual stack with the kubelet's --node-ip", () => {
    it("keeps the node IPs first through an address change, and a node IP the VM lost blocks the update", async () => {
      // Two NICs, one IPv4 and one IPv6 address, set by a guest customization (what VMware Tools
      // then reports in guest.net; vcsim applies the fixed address of each NIC's setting).
      const vm = vms.DC0_C0_RP0_VM3;
      await addNic(vm.path);
      await govc("vm.power", "-off", vm.path);
      await govc(
        "vm.customize",
        "-vm",
        vm.path,
        "-type",
        "Linux",
        "-name",
        "dual",
        "-ip",
        "10.60.0.10",
        "-ip",
        "fd00::10",
      );
      await govc("vm.power", "-on", vm.path);
      const file = await config("dual.yaml", ["    ipFamily: [ipv4, ipv6]", ...LABELS]);
      const ccm = await startCcm(ccmOptions("dual", file, [], { ENABLE_ALPHA_DUAL_STACK: "true" }));
      try {
        await ccm.waitReady();
        // IPv6 first, as the kubelet was told; upstream's order would put IPv4 first.
        const name = await register("dual", vm, { "alpha.kubernetes.io/provided-node-ip": "fd00::10,10.60.0.10" });
        const want = (host: string) => [
          "InternalIP=fd00::10",
          "ExternalIP=fd00::10",
          "InternalIP=10.60.0.10",
          "ExternalIP=10.60.0.10",
          `Hostname=${host}`,
        ];
        expect(addresses(await initialized(name))).toEqual(want("dual"));
        // An address change (the guest's host name): the update keeps the node IPs first.
        await govc("vm.change", "-vm", vm.path, "-e", "SET.guest.hostName=dual-renamed");
        await until("the renamed host in the addresses", async () => {
          const n = await api.readNode({ name });
          return addresses(n).join() === want("dual-renamed").join() || undefined;
        });
        // The IPv4 node IP gone from the VM: as upstream, the addresses stay and the log says why.
        await govc("vm.change", "-vm", vm.path, "-e", "SET.guest.ipAddress=10.60.0.99");
        await until("the update refused", () =>
          ccm.logs().includes("provided node IP 10.60.0.10 (kubelet --node-ip) is not among the VM's addresses")
            ? true
            : undefined,
        );
        expect(addresses(await api.readNode({ name }))).toEqual(want("dual-renamed"));
      } finally {
        await ccm.stop();
      }
    });
  });

  /** Adds a vmxnet3 NIC on "VM Network" (ReconfigVM_Task; this machine's govc has no vm.network.add). */
  async function addNic(path: string): Promise<void> {
    const [id] = (await govc("ls", "-i", path)).trim().split(/\s+/);
    const [type, value] = id.split(":");
    const s = await sessionFor(v);
    try {
      const device = typed("VirtualVmxnet3", {
        key: -1,
        backing: typed("VirtualEthernetCardNetworkBackingInfo", { deviceName: "VM Network" }),
        connectable: typed("VirtualDeviceConnectInfo", {
          startConnected: true,
          allowGuestControl: true,
          connected: true,
        }),
      });
      const spec = typed("VirtualMachineConfigSpec", {
        deviceChange: [typed("VirtualDeviceConfigSpec", { operation: "add", device })],
      });
      const task = asMoRef(await s.call("ReconfigVM_Task", { type, value }, { spec }));
      if (!task) throw new Error(`ReconfigVM_Task on ${path} returned no task`);
      await waitForTask(s, task, { method: "ReconfigVM_Task", timeoutMs: 60_000 });
    } finally {
      await s.close();
    }
  }

  async function metricsOf(ccm: CcmProcess): Promise<string> {
    const r = await ccm.get("/metrics", engines().kube.adminToken);
    expect(r.status).toBe(200);
    return r.body;
  }
});
