// Which VM a Node is, looked up in the inventory of every vCenter, in upstream's order
// (nodemanager.go RegisterNode/shakeOutNodeIDLookup, instances_v2.go getProviderID):
//   1. spec.providerID when set (its UUID, then the byte-swapped form); authoritative: no fallback;
//   2. status.nodeInfo.systemUUID, as reported, then byte-swapped;
//   3. a VM whose guest host name equals the node name (case-insensitive);
//   4. a VM with one of the node's IPs (its name when it is an IP, as upstream, plus the addresses
//      and provided node IPs the kubelet reported).
// A step that matches several VMs is an error naming them, never a guess.
import type { InventoryView, InventoryVm } from "../inventory/types.js";
import { canonicalIp, parseIp } from "./ip.js";
import { normalizeUuid, swapUuid, uuidFromProviderId } from "./uuid.js";

/** What discovery needs of a Node (plain data, not the Kubernetes client type). */
export interface NodeFacts {
  name: string;
  /** spec.providerID, when set. */
  providerID?: string;
  /** status.nodeInfo.systemUUID, as the kubelet reported it. */
  systemUUID?: string;
  /** status.addresses. */
  addresses: { type: string; address: string }[];
  /** Annotation alpha.kubernetes.io/provided-node-ip (kubelet --node-ip), comma-separated. */
  providedNodeIp?: string;
  /** metadata.labels. */
  labels?: Record<string, string>;
}

export type MatchHow = "providerID" | "systemUUID" | "systemUUID-swapped" | "dnsName" | "ip";

export type VmMatch =
  { vm: InventoryVm; how: MatchHow; explanation: string[] } | { reason: string; explanation: string[] };

export const vmLabel = (vm: InventoryVm): string => `${vm.vcenter}/${vm.name} (${vm.ref.value})`;

function distinct(vms: InventoryVm[]): InventoryVm[] {
  const seen = new Map<string, InventoryVm>();
  for (const vm of vms) seen.set(`${vm.vcenter}\u0000${vm.ref.type}:${vm.ref.value}`, vm);
  return [...seen.values()];
}

type Step = { vm: InventoryVm } | { reason: string } | undefined;

/** One lookup: a single VM, an ambiguity reason, or nothing. */
function one(vms: InventoryVm[], what: string): Step {
  const d = distinct(vms);
  if (d.length === 0) return undefined;
  if (d.length === 1) return { vm: d[0] };
  return { reason: `${what}: ${d.length} VMs match: ${d.map(vmLabel).join(", ")}` };
}

/** UUID as given, then its byte-swapped form. */
function byUuid(view: InventoryView, uuid: string, what: string): { step: Step; swapped: boolean } {
  const direct = one(view.vmByUuid(uuid), `${what} ${uuid}`);
  if (direct) return { step: direct, swapped: false };
  const swapped = swapUuid(uuid);
  return {
    step: swapped === uuid ? undefined : one(view.vmByUuid(swapped), `${what} ${uuid} (swapped ${swapped})`),
    swapped: true,
  };
}

/** IPs that identify the node (as written): its name when it is one, its addresses, its --node-ip. */
export function nodeIps(node: NodeFacts): string[] {
  const raw = [
    node.name,
    ...node.addresses.filter((a) => a.type === "InternalIP" || a.type === "ExternalIP").map((a) => a.address),
    ...(node.providedNodeIp ?? "").split(","),
  ];
  const out: string[] = [];
  for (const r of raw.map((x) => x.trim())) if (parseIp(r) && !out.includes(r)) out.push(r);
  return out;
}

/** VMs with any of the IPs, looked up as written and in canonical form (guests differ in IPv6 spelling). */
const vmsWithIps = (view: InventoryView, ips: string[]) =>
  ips.flatMap((ip) =>
    canonicalIp(ip) === ip ? view.vmsByIp(ip) : [...view.vmsByIp(ip), ...view.vmsByIp(canonicalIp(ip))],
  );

function byProviderId(node: NodeFacts, view: InventoryView, why: string[]): VmMatch {
  const parsed = uuidFromProviderId(node.providerID as string);
  if ("reason" in parsed) return { reason: parsed.reason, explanation: why };
  const { step, swapped } = byUuid(view, parsed.uuid, "providerID UUID");
  if (!step) {
    return {
      reason: `no VM has the UUID of providerID ${node.providerID} (nor its byte-swapped form ${swapUuid(parsed.uuid)})`,
      explanation: why,
    };
  }
  if ("reason" in step) return { reason: step.reason, explanation: why };
  why.push(`providerID ${node.providerID} is VM ${vmLabel(step.vm)}${swapped ? " (byte-swapped UUID)" : ""}`);
  return { vm: step.vm, how: "providerID", explanation: why };
}

/** Finds the node's VM, or says why none (or more than one) matches. */
export function matchVm(node: NodeFacts, view: InventoryView): VmMatch {
  const why: string[] = [];
  if (node.providerID) return byProviderId(node, view, why);
  const tried: string[] = [];
  const uuid = normalizeUuid(node.systemUUID);
  if (uuid) {
    const { step, swapped } = byUuid(view, uuid, "systemUUID");
    if (step && "reason" in step) return { reason: step.reason, explanation: why };
    if (step) {
      why.push(`systemUUID ${node.systemUUID} is VM ${vmLabel(step.vm)}${swapped ? " (byte-swapped UUID)" : ""}`);
      return { vm: step.vm, how: swapped ? "systemUUID-swapped" : "systemUUID", explanation: why };
    }
    tried.push(`systemUUID ${uuid} (or swapped ${swapUuid(uuid)})`);
  } else {
    tried.push(node.systemUUID ? `systemUUID "${node.systemUUID}" (not a UUID)` : "no systemUUID");
  }
  why.push(`no VM with ${tried[0]}`);
  const dns = one(view.vmsByDnsName(node.name), `DNS name ${node.name}`);
  if (dns && "reason" in dns) return { reason: dns.reason, explanation: why };
  if (dns) {
    why.push(`guest host name ${dns.vm.guestHostName ?? ""} of VM ${vmLabel(dns.vm)} equals the node name`);
    return { vm: dns.vm, how: "dnsName", explanation: why };
  }
  tried.push(`DNS name ${node.name}`);
  why.push(`no VM with guest host name ${node.name}`);
  const ips = nodeIps(node);
  const byIp = one(vmsWithIps(view, ips), `IPs ${ips.join(", ")}`);
  if (byIp && "reason" in byIp) return { reason: byIp.reason, explanation: why };
  if (byIp) {
    why.push(`VM ${vmLabel(byIp.vm)} has one of the node's IPs (${ips.join(", ")})`);
    return { vm: byIp.vm, how: "ip", explanation: why };
  }
  tried.push(ips.length ? `IPs ${ips.join(", ")}` : "no node IPs");
  return { reason: `no VM matched ${tried.join(", ")}`, explanation: why };
}
