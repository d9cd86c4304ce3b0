// What bench:scale sets up: several vcsim instances as separate vCenters, their VMs as busy as
// real ones (about 100 extraConfig entries, a large guestinfo.appInfo, a guest IPv4 and host
// name), zone/region tags on every cluster, the credentials Secret and one cloud config listing
// every vCenter. Reads use our client; tags go through govc, the independent client.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Govc } from "../test/env/govc.js";
import { govcFor } from "../test/env/govc.js";
import type { Pki } from "../test/env/pki.js";
import { sessionFor, startVcsim, type Vcsim } from "../test/env/vcsim.js";
import { createContainerView, destroyView, retrieveProperties } from "../vsphere/property.js";
import type { VsphereSession } from "../vsphere/session.js";
import { asMoRef, asString, typed } from "../vsphere/soap/codec.js";
import { waitForTask } from "../vsphere/task.js";
import type { MoRef } from "../vsphere/types.js";
import { inBatches } from "./ccm-fixture.js";

export interface ScaleVm {
  vcenter: number;
  ref: MoRef;
  name: string;
  uuid: string;
  ip: string;
  nodeName: string;
}

export interface ScaleVcenter {
  index: number;
  vcsim: Vcsim;
  govc: Govc;
  vms: ScaleVm[];
}

const xsdString = (value: string) => ({ attributes: { "xsi:type": "xsd:string" }, $value: value });
const option = (key: string, value: string) => typed("OptionValue", { key, value: xsdString(value) });

/** guestinfo.appInfo as VMware Tools writes it: a JSON list of the guest's processes. */
export function appInfo(size: number, round: number): string {
  const procs: string[] = [];
  for (let i = 0; JSON.stringify(procs).length < size; i++)
    procs.push(`{"a":"/usr/lib/service-${i}/bin/daemon --round=${round}","p":"${1000 + i}"}`);
  return `{"version":"1","updateCounter":"${round}","publishTime":"2026-12-06T00:00:00.000Z","applications":[${procs.join(",")}]}`;
}

/** The guest IP of VM `i` of vCenter `vc` (unique across vCenters), in round `r` of IP flips. */
export const guestIp = (vc: number, i: number, r = 0) =>
  `10.${100 + vc}.${Math.floor(i / 250) + r * 100}.${(i % 250) + 2}`;

export async function reconfigure(s: VsphereSession, ref: MoRef, extraConfig: unknown[]): Promise<void> {
  const task = asMoRef(
    await s.call("ReconfigVM_Task", ref, { spec: typed("VirtualMachineConfigSpec", { extraConfig }) }),
  );
  if (!task) throw new Error(`ReconfigVM_Task on ${ref.value} returned no task`);
  await waitForTask(s, task, { method: "ReconfigVM_Task", timeoutMs: 120_000 });
}

/** One Reconfig per VM: its guest IP and host name, ~100 extraConfig entries, a large appInfo. */
async function makeBusy(s: VsphereSession, vm: ScaleVm, entries: number, appInfoBytes: number): Promise<void> {
  const extra = [
    option("SET.guest.ipAddress", vm.ip),
    option("SET.guest.hostName", vm.nodeName),
    option("guestinfo.appInfo", appInfo(appInfoBytes, 0)),
  ];
  for (let k = extra.length; k < entries; k++) extra.push(option(`guestinfo.bench.key${k}`, `value-${k}-${vm.uuid}`));
  await reconfigure(s, vm.ref, extra);
}

async function listVms(s: VsphereSession, vc: number): Promise<ScaleVm[]> {
  const view = await createContainerView(s, ["VirtualMachine"]);
  const found = await retrieveProperties(s, {
    props: [{ type: "VirtualMachine", pathSet: ["name", "config.uuid"] }],
    source: { view },
  });
  await destroyView(s, view);
  return found
    .map((o) => ({ ref: o.obj, name: asString(o.props.name) ?? "", uuid: asString(o.props["config.uuid"]) ?? "" }))
    .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }))
    .map((vm, i) => ({
      ...vm,
      vcenter: vc,
      ip: guestIp(vc, i),
      nodeName: `scale-vc${vc}-${vm.name.toLowerCase().replace(/_/g, "-")}`,
    }));
}

async function tagClusters(govc: Govc, clusters: number, vc: number): Promise<void> {
  await govc("tags.category.create", "k8s-region");
  await govc("tags.category.create", "k8s-zone");
  await govc("tags.create", "-c", "k8s-region", `region-${vc}`);
  await govc("tags.attach", "-c", "k8s-region", `region-${vc}`, "/DC0");
  for (let c = 0; c < clusters; c++) {
    await govc("tags.create", "-c", "k8s-zone", `zone-${vc}-${c}`);
    await govc("tags.attach", "-c", "k8s-zone", `zone-${vc}-${c}`, `/DC0/host/DC0_C${c}`);
  }
}

export interface VcenterSpec {
  dir: string;
  pki: Pki;
  env: Record<string, string>;
  clusters: number;
  vmsPerCluster: number;
  extraConfig: number;
  appInfoBytes: number;
  log: (msg: string) => void;
}

/** Starts the vcsim of vCenter `vc` (the simulator builds every VM before it listens). */
export async function startScaleVcsim(vc: number, o: VcenterSpec): Promise<Vcsim> {
  const t0 = Date.now();
  const v = await startVcsim(o.dir, o.pki, {
    name: `vcsim-${vc}`,
    uuidSeed: `scale-vc${vc}`,
    clustersPerDatacenter: o.clusters,
    hostsPerCluster: 1,
    vmsPerPool: o.vmsPerCluster,
    readyTimeoutMs: 120_000 + o.clusters * o.vmsPerCluster * 300,
  });
  o.log(`vc${vc}: vcsim up in ${(Date.now() - t0) / 1000} s`);
  return v;
}

/** Makes the VMs of vCenter `vc` busy and tags its clusters. */
export async function prepareVcenter(vc: number, o: VcenterSpec, vcsim: Vcsim): Promise<ScaleVcenter> {
  const govc = govcFor({ ...o.env, GOVC_URL: vcsim.url });
  const s = await sessionFor(vcsim);
  try {
    const vms = await listVms(s, vc);
    const t1 = Date.now();
    await inBatches(vms, 8, (vm) => makeBusy(s, vm, o.extraConfig, o.appInfoBytes));
    o.log(`vc${vc}: ${vms.length} VMs made busy in ${(Date.now() - t1) / 1000} s`);
    await tagClusters(govc, o.clusters, vc);
    return { index: vc, vcsim, govc, vms };
  } finally {
    await s.close();
  }
}

/** One YAML cloud config listing every vCenter (all on 127.0.0.1, one port each). */
export async function writeCloudConfig(dir: string, vcs: ScaleVcenter[], secret: string): Promise<string> {
  const file = join(dir, "bench-scale.conf");
  const lines = [
    "global:",
    `  caFile: ${vcs[0].vcsim.caFile}`,
    `  secretName: ${secret}`,
    "  secretNamespace: kube-system",
  ];
  lines.push("vcenter:");
  for (const v of vcs)
    lines.push(`  vc${v.index}:`, `    server: ${v.vcsim.host}`, `    port: ${v.vcsim.port}`, "    datacenters: [DC0]");
  lines.push("labels:", "  region: k8s-region", "  zone: k8s-zone", "");
  await writeFile(file, lines.join("\n"));
  return file;
}
