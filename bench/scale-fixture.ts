// What bench:scale sets up: several vcsim instances as separate vCenters, their VMs as busy as
// real ones (about 100 extraConfig entries, a large guestinfo.appInfo, 2 or 3 NICs on different
// port groups, each with an IPv4 and an IPv6 address in the guest, and a host name), zone/region
// tags on every cluster, the credentials Secret and one cloud config listing every vCenter. Reads
// use our client; tags go through govc, the independent client.
//
// How the NICs get there, in one ReconfigVM_Task per VM: deviceChange adds vmxnet3 cards on the
// datacenter's other distributed port groups (vcsim's -pg), and extraConfig `SET.guest.net`
// writes guest.net as VMware Tools reports it (per NIC: port group name, MAC, device key, IPv4,
// IPv6 and the link-local address, in ipAddress and ipConfig). `SET.<path>` is vcsim's stand-in
// for what a guest reports: it assigns the property at <path> (simulator/virtual_machine.go
// applyExtraConfig) and is not stored as an extraConfig entry. vcsim's other ways fall short:
// `SET.guest.ipAddress` writes one IPv4 on the first NIC only, and CustomizeVM_Task (VM powered
// off, applied at the next power-on) puts one CustomizationFixedIp address per NIC into guest.net
// and ignores ipV6Spec, so no NIC gets both families; nor does it fill guest.net's network name
// for NICs on distributed port groups (it leaves it empty, where Tools reports the port group).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Govc } from "../test/env/govc.js";
import { govcFor } from "../test/env/govc.js";
import type { Pki } from "../test/env/pki.js";
import { sessionFor, startVcsim, type Vcsim } from "../test/env/vcsim.js";
import { decodeGuestNics } from "../vsphere/inventory.js";
import { createContainerView, destroyView, retrieveProperties } from "../vsphere/property.js";
import type { VsphereSession } from "../vsphere/session.js";
import { asMoRef, asString, typed } from "../vsphere/soap/codec.js";
import { waitForTask } from "../vsphere/task.js";
import type { MoRef } from "../vsphere/types.js";
import { inBatches } from "./ccm-fixture.js";

/** One NIC of a VM, as its guest reports it in guest.net. */
export interface ScaleNic {
  /** The distributed port group's name (what Tools reports as the NIC's network). */
  network: string;
  macAddress: string;
  /** The virtual device key (guest.net deviceConfigId). */
  deviceKey: number;
  ipv4: string;
  ipv6: string;
  linkLocal: string;
}

export interface ScaleVm {
  vcenter: number;
  ref: MoRef;
  name: string;
  uuid: string;
  nodeName: string;
  /** NIC 0 is the VM's own card on PORT_GROUPS[0]; NIC k was added on PORT_GROUPS[k]. */
  nics: ScaleNic[];
}

/**
 * The datacenter's distributed port groups (vcsim names them DC0_DVPG<n>), one per role: the node
 * network (every VM's own NIC is on the first), a front-end network, a storage network.
 */
export const PORT_GROUPS = ["DC0_DVPG0", "DC0_DVPG1", "DC0_DVPG2"] as const;

/**
 * The CCM's address rules for these VMs (cloud config `nodes`, upstream's nodemanager rules):
 * InternalIP per family from the node network's subnets, ExternalIP from the NIC on the front-end
 * port group; the storage NIC and link-local addresses are never published.
 */
export const ADDRESS_RULES = {
  internalNetworkSubnetCidr: "10.0.0.0/8,fd0a::/16",
  externalVmNetworkName: PORT_GROUPS[1],
} as const;

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

/**
 * The node-network IPv4 of VM `i` of vCenter `vc` (NIC 0, unique across vCenters), in round `r`
 * of IP flips; inside ADDRESS_RULES' internal subnet, so a flip changes the Node's InternalIP.
 */
export const guestIp = (vc: number, i: number, r = 0) =>
  `10.${100 + vc}.${Math.floor(i / 250) + r * 100}.${(i % 250) + 2}`;

/** Per NIC: its IPv4 and the first group of its IPv6 prefix (ULA, /16 per role). */
const NIC_PLAN = [
  { v4: guestIp, v6: "fd0a" },
  { v4: (vc: number, i: number) => `172.${16 + vc}.${Math.floor(i / 250)}.${(i % 250) + 2}`, v6: "fdac" },
  { v4: (vc: number, i: number) => `100.${64 + vc}.${Math.floor(i / 250)}.${(i % 250) + 2}`, v6: "fdc0" },
];

/** NICs of VM `i`: every VM has 2, every other one 3. */
const nicCount = (i: number) => 2 + (i % 2);

/** The IPv6 link-local address a Linux guest derives from the MAC (modified EUI-64), in RFC 5952 form. */
export function linkLocal(mac: string): string {
  const b = mac.split(":").map((x) => parseInt(x, 16));
  const g = [((b[0] ^ 2) << 8) | b[1], (b[2] << 8) | 0xff, (0xfe << 8) | b[3], (b[4] << 8) | b[5]];
  return `fe80::${g.map((x) => x.toString(16)).join(":")}`;
}

/** NIC k of VM `i` of vCenter `vc`; NIC 0's MAC and device key are the VM's own card's. */
export function planNic(vc: number, i: number, k: number, own: { mac: string; key: number }): ScaleNic {
  if (i + 2 > 0xffff) throw new Error(`VM index ${i}: too many VMs per vCenter for the address plan`);
  // VMware's manually assigned range is 00:50:56:00:00:00-00:50:56:3f:ff:ff.
  const macAddress =
    k === 0
      ? own.mac
      : `00:50:56:${[(k - 1) * 8 + vc, i >> 8, i & 0xff].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
  return {
    network: PORT_GROUPS[k],
    macAddress,
    deviceKey: k === 0 ? own.key : own.key + k,
    ipv4: NIC_PLAN[k].v4(vc, i),
    // Already in RFC 5952 form (no leading zeros, the one run of zeros compressed), as Tools reports.
    ipv6: `${NIC_PLAN[k].v6}:${(vc + 1).toString(16)}::${(i + 2).toString(16)}`,
    linkLocal: linkLocal(macAddress),
  };
}

/**
 * The Node addresses the CCM owes VM `vm` under ADDRESS_RULES with ipFamily [ipv4, ipv6], sorted
 * as "type=address": the guest host name, then per family InternalIP from NIC 0 (node network
 * subnet) and ExternalIP from NIC 1 (the front-end port group).
 */
export function expectedAddresses(vm: ScaleVm): string[] {
  const [node, front] = vm.nics;
  return [
    `Hostname=${vm.nodeName}`,
    `InternalIP=${node.ipv4}`,
    `ExternalIP=${front.ipv4}`,
    `InternalIP=${node.ipv6}`,
    `ExternalIP=${front.ipv6}`,
  ].sort();
}

/** guest.net as VMware Tools reports it for these NICs (vim25 element order). */
function guestNet(nics: readonly ScaleNic[]): Record<string, unknown> {
  const addr = (ipAddress: string, prefixLength: number, origin: string) => ({
    ipAddress,
    prefixLength: String(prefixLength),
    origin,
    state: "preferred",
  });
  return {
    attributes: { "xsi:type": "ArrayOfGuestNicInfo" },
    GuestNicInfo: nics.map((n) => ({
      network: n.network,
      ipAddress: [n.ipv4, n.ipv6, n.linkLocal],
      macAddress: n.macAddress,
      connected: "true",
      deviceConfigId: String(n.deviceKey),
      ipConfig: {
        ipAddress: [addr(n.ipv4, 16, "manual"), addr(n.ipv6, 64, "manual"), addr(n.linkLocal, 64, "linklayer")],
      },
    })),
  };
}

/**
 * What the guest reports, as extraConfig `SET.` entries: guest.ipAddress first (vcsim also writes
 * it into guest.net[0], which the following SET.guest.net then replaces whole).
 */
const guestReport = (nics: readonly ScaleNic[]) => [
  option("SET.guest.ipAddress", nics[0].ipv4),
  typed("OptionValue", { key: "SET.guest.net", value: guestNet(nics) }),
];

/** Changes NIC 0's IPv4 in the guest (its IPv6 and the other NICs stay), as a DHCP renewal would. */
export async function flipGuestIp(s: VsphereSession, vm: ScaleVm, ip: string): Promise<void> {
  vm.nics[0] = { ...vm.nics[0], ipv4: ip };
  await reconfigure(s, vm.ref, guestReport(vm.nics));
}

export async function reconfigure(s: VsphereSession, ref: MoRef, extraConfig: unknown[]): Promise<void> {
  const task = asMoRef(
    await s.call("ReconfigVM_Task", ref, { spec: typed("VirtualMachineConfigSpec", { extraConfig }) }),
  );
  if (!task) throw new Error(`ReconfigVM_Task on ${ref.value} returned no task`);
  await waitForTask(s, task, { method: "ReconfigVM_Task", timeoutMs: 120_000 });
}

interface PortGroup {
  key: string;
  switchUuid: string;
}

/** The distributed port groups of PORT_GROUPS by name, with their switch's UUID (for NIC backings). */
async function portGroups(s: VsphereSession): Promise<Map<string, PortGroup>> {
  const view = await createContainerView(s, ["DistributedVirtualPortgroup", "DistributedVirtualSwitch"]);
  const found = await retrieveProperties(s, {
    props: [
      { type: "DistributedVirtualPortgroup", pathSet: ["name", "key", "config.distributedVirtualSwitch"] },
      { type: "DistributedVirtualSwitch", pathSet: ["uuid"] },
    ],
    source: { view },
  });
  await destroyView(s, view);
  const uuids = new Map(
    found.filter((o) => o.obj.type !== "DistributedVirtualPortgroup").map((o) => [o.obj.value, asString(o.props.uuid)]),
  );
  const out = new Map<string, PortGroup>();
  for (const o of found) {
    const dvs = asMoRef(o.props["config.distributedVirtualSwitch"]);
    const switchUuid = dvs && uuids.get(dvs.value);
    const name = asString(o.props.name);
    const key = asString(o.props.key);
    if (name && key && switchUuid) out.set(name, { key, switchUuid });
  }
  const missing = PORT_GROUPS.filter((n) => !out.has(n));
  if (missing.length) throw new Error(`port groups ${missing.join(", ")} not found (vcsim -pg ${PORT_GROUPS.length})`);
  return out;
}

/** A vmxnet3 card on a distributed port group, with the NIC's planned key and MAC. */
function addNic(nic: ScaleNic, pg: PortGroup) {
  return typed("VirtualDeviceConfigSpec", {
    operation: "add",
    device: typed("VirtualVmxnet3", {
      key: nic.deviceKey,
      backing: typed("VirtualEthernetCardDistributedVirtualPortBackingInfo", {
        port: typed("DistributedVirtualSwitchPortConnection", { switchUuid: pg.switchUuid, portgroupKey: pg.key }),
      }),
      connectable: typed("VirtualDeviceConnectInfo", {
        startConnected: true,
        allowGuestControl: true,
        connected: true,
      }),
      addressType: "manual",
      macAddress: nic.macAddress,
    }),
  });
}

/**
 * One Reconfig per VM: its extra NICs, what its guest reports (guest.net, host name), ~100
 * extraConfig entries and a large appInfo.
 */
async function makeBusy(
  s: VsphereSession,
  vm: ScaleVm,
  pgs: Map<string, PortGroup>,
  entries: number,
  appInfoBytes: number,
): Promise<void> {
  const deviceChange = vm.nics.slice(1).map((n) => addNic(n, pgs.get(n.network) as PortGroup));
  const extra = [
    ...guestReport(vm.nics),
    option("SET.guest.hostName", vm.nodeName),
    option("guestinfo.appInfo", appInfo(appInfoBytes, 0)),
  ];
  // Filler up to `entries` (counted as before the NICs: the SET. entries are applied, not stored).
  for (let k = 3; k < entries; k++) extra.push(option(`guestinfo.bench.key${k}`, `value-${k}-${vm.uuid}`));
  const task = asMoRef(
    await s.call("ReconfigVM_Task", vm.ref, {
      spec: typed("VirtualMachineConfigSpec", { deviceChange, extraConfig: extra }),
    }),
  );
  if (!task) throw new Error(`ReconfigVM_Task on ${vm.ref.value} returned no task`);
  await waitForTask(s, task, { method: "ReconfigVM_Task", timeoutMs: 120_000 });
}

/** The VMs by name, with their NICs planned (NIC 0 is the model's own card, as guest.net reports it). */
async function listVms(s: VsphereSession, vc: number): Promise<ScaleVm[]> {
  const view = await createContainerView(s, ["VirtualMachine"]);
  const found = await retrieveProperties(s, {
    props: [{ type: "VirtualMachine", pathSet: ["name", "config.uuid", "guest.net"] }],
    source: { view },
  });
  await destroyView(s, view);
  return found
    .map((o) => {
      const own = decodeGuestNics(o.props["guest.net"])[0];
      if (!own?.macAddress || own.deviceConfigId === undefined)
        throw new Error(`VM ${o.obj.value}: no NIC in guest.net to build on`);
      return {
        ref: o.obj,
        name: asString(o.props.name) ?? "",
        uuid: asString(o.props["config.uuid"]) ?? "",
        own: { mac: own.macAddress, key: own.deviceConfigId },
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }))
    .map(({ own, ...vm }, i) => ({
      ...vm,
      vcenter: vc,
      nodeName: `scale-vc${vc}-${vm.name.toLowerCase().replace(/_/g, "-")}`,
      nics: Array.from({ length: nicCount(i) }, (_, k) => planNic(vc, i, k, own)),
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
    portgroupsPerDatacenter: PORT_GROUPS.length,
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
    const pgs = await portGroups(s);
    const t1 = Date.now();
    await inBatches(vms, 8, (vm) => makeBusy(s, vm, pgs, o.extraConfig, o.appInfoBytes));
    const nics = vms.reduce((n, vm) => n + vm.nics.length, 0);
    o.log(`vc${vc}: ${vms.length} VMs (${nics} NICs) made busy in ${(Date.now() - t1) / 1000} s`);
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
    // Dual stack: the CCM runs with ENABLE_ALPHA_DUAL_STACK, as upstream requires.
    "  ipFamily: [ipv4, ipv6]",
  ];
  lines.push("vcenter:");
  for (const v of vcs)
    lines.push(`  vc${v.index}:`, `    server: ${v.vcsim.host}`, `    port: ${v.vcsim.port}`, "    datacenters: [DC0]");
  lines.push("labels:", "  region: k8s-region", "  zone: k8s-zone");
  lines.push(
    "nodes:",
    `  internalNetworkSubnetCidr: "${ADDRESS_RULES.internalNetworkSubnetCidr}"`,
    `  externalVmNetworkName: ${ADDRESS_RULES.externalVmNetworkName}`,
    "",
  );
  await writeFile(file, lines.join("\n"));
  return file;
}
