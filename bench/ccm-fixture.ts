// What bench:ccm sets up once per environment: guest IPs and host names on the VMs (what VMware
// Tools reports in a real guest), region/zone tags, the credentials Secret and the cloud config.
// VM facts are read with our client in one call; tags go through govc, the independent client.
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Environment } from "../test/env/environment.js";
import { kubeletNode as registeredNode } from "../test/env/ccm.js";
import { govcFor, type Govc } from "../test/env/govc.js";
import { swapUuid } from "../controller/cloud/uuid.js";
import { createContainerView, destroyView, retrieveProperties } from "../vsphere/property.js";
import type { VsphereSession } from "../vsphere/session.js";
import { sessionFor } from "../test/env/vcsim.js";
import { asMoRef, asString, typed } from "../vsphere/soap/codec.js";
import { waitForTask } from "../vsphere/task.js";
import type { MoRef } from "../vsphere/types.js";

export const TAINT_UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized";
export const TAINT_SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown";
export const BENCH_LABEL = "bench.vsphere-cloud-provider/ccm";
const SECRET = "vsphere-cloud-secret";

export interface BenchVm {
  ref: MoRef;
  name: string;
  uuid: string;
  /** Inventory path, for govc. */
  path: string;
  ip: string;
  nodeName: string;
}

export interface Fixture {
  vms: BenchVm[];
  cloudConfig: string;
  govc: Govc;
  api: CoreV1Api;
  kc: KubeConfig;
}

const xsdString = (value: string) => ({ attributes: { "xsi:type": "xsd:string" }, $value: value });

/** What VMware Tools would report: one IPv4 address and the guest's host name. */
async function setGuestInfo(s: VsphereSession, vm: BenchVm): Promise<void> {
  const extraConfig = [
    typed("OptionValue", { key: "SET.guest.ipAddress", value: xsdString(vm.ip) }),
    typed("OptionValue", { key: "SET.guest.hostName", value: xsdString(vm.nodeName) }),
  ];
  const task = asMoRef(
    await s.call("ReconfigVM_Task", vm.ref, { spec: typed("VirtualMachineConfigSpec", { extraConfig }) }),
  );
  if (!task) throw new Error(`ReconfigVM_Task on ${vm.name} returned no task`);
  await waitForTask(s, task, { method: "ReconfigVM_Task", timeoutMs: 60_000 });
}

/** Runs `fn` over `items`, `width` at a time. */
export async function inBatches<T>(items: readonly T[], width: number, fn: (t: T, i: number) => Promise<void>) {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map((t, j) => fn(t, i + j)));
  }
}

/** The first `count` VMs by name, with guest IPs and host names set. */
async function prepareVms(env: Environment, count: number): Promise<BenchVm[]> {
  const v = env.vcsim;
  const s = await sessionFor(v);
  try {
    const view = await createContainerView(s, ["VirtualMachine"]);
    const found = await retrieveProperties(s, {
      props: [{ type: "VirtualMachine", pathSet: ["name", "config.uuid"] }],
      source: { view },
    });
    await destroyView(s, view);
    const all = found
      .map((o) => ({ ref: o.obj, name: asString(o.props.name) ?? "", uuid: asString(o.props["config.uuid"]) ?? "" }))
      .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    if (all.length < count) throw new Error(`vcsim holds ${all.length} VMs, ${count} needed`);
    const vms = all.slice(0, count).map((vm, i) => ({
      ...vm,
      path: `/DC0/vm/${vm.name}`,
      ip: `10.30.${Math.floor(i / 250)}.${(i % 250) + 2}`,
      nodeName: `bench-${vm.name.toLowerCase().replace(/_/g, "-")}`,
    }));
    await inBatches(vms, 16, (vm) => setGuestInfo(s, vm));
    return vms;
  } finally {
    await s.close();
  }
}

/** Region on the datacenter, one zone per cluster (as the Pulumi program lays them out). */
async function tagInventory(govc: Govc, clusters: number): Promise<void> {
  await govc("tags.category.create", "k8s-region");
  await govc("tags.category.create", "k8s-zone");
  await govc("tags.create", "-c", "k8s-region", "region-1");
  await govc("tags.attach", "-c", "k8s-region", "region-1", "/DC0");
  for (let c = 0; c < clusters; c++) {
    await govc("tags.create", "-c", "k8s-zone", `zone-${c}`);
    await govc("tags.attach", "-c", "k8s-zone", `zone-${c}`, `/DC0/host/DC0_C${c}`);
  }
}

async function writeSecret(api: CoreV1Api, env: Environment): Promise<void> {
  const v = env.vcsim;
  const body = {
    metadata: { name: SECRET, namespace: "kube-system" },
    stringData: { [`${v.host}.username`]: v.username, [`${v.host}.password`]: v.password },
  };
  await api.deleteNamespacedSecret({ namespace: "kube-system", name: SECRET }).catch(() => {});
  await api.createNamespacedSecret({ namespace: "kube-system", body });
}

/** Everything a run needs: VMs with guest info, tags, the Secret and the cloud config file. */
export async function prepareFixture(env: Environment, vmCount: number, clusters: number): Promise<Fixture> {
  const govc = govcFor(env.env);
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  const api = kc.makeApiClient(CoreV1Api);
  const vms = await prepareVms(env, vmCount);
  await tagInventory(govc, clusters);
  await writeSecret(api, env);
  const cloudConfig = join(env.dir, "bench-vsphere.conf");
  await writeFile(
    cloudConfig,
    [
      "global:",
      `  port: ${env.vcsim.port}`,
      `  caFile: ${env.vcsim.caFile}`,
      `  secretName: ${SECRET}`,
      "  secretNamespace: kube-system",
      "vcenter:",
      "  vc1:",
      `    server: ${env.vcsim.host}`,
      "    datacenters: [DC0]",
      "labels:",
      "  region: k8s-region",
      "  zone: k8s-zone",
      "",
    ].join("\n"),
  );
  return { vms, cloudConfig, govc, api, kc };
}

/**
 * A Node as a kubelet with --cloud-provider=external registers it: tainted, Ready, no providerID,
 * its system UUID as the guest reads it. Every third reports the byte-swapped form (older guests
 * and some BIOS firmware), every third in upper case.
 */
export function kubeletNode(vm: BenchVm, i: number): V1Node {
  const systemUUID = i % 3 === 1 ? swapUuid(vm.uuid) : i % 3 === 2 ? vm.uuid.toUpperCase() : vm.uuid;
  const node = registeredNode(vm.nodeName, systemUUID);
  const now = new Date();
  node.metadata = { ...node.metadata, labels: { [BENCH_LABEL]: "true" } };
  node.status = {
    ...node.status,
    conditions: [
      { type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: now, lastTransitionTime: now },
    ],
  };
  return node;
}

/** Sets the Ready condition as the node lifecycle controller does when a kubelet stops posting. */
export async function setReady(api: CoreV1Api, name: string, status: "True" | "False"): Promise<void> {
  const now = new Date();
  await api.patchNodeStatus({
    name,
    body: [
      {
        op: "replace",
        path: "/status/conditions",
        value: [
          {
            type: "Ready",
            status,
            reason: status === "True" ? "KubeletReady" : "NodeStatusUnknown",
            message: "set by bench:ccm",
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    ],
  });
}
