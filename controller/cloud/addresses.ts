// Which guest addresses a Node gets, with upstream's rules (nodemanager.go DiscoverNode and
// discoverIPs), each decision written down for `explain`:
//   1. Hostname is guest.hostName; the VM needs one and at least one guest NIC.
//   2. NICs with deviceConfigId -1 are not virtual NICs (bridges, container veths): skipped.
//   3. Local-only addresses (invalid, unspecified, link-local, loopback) are skipped.
//   4. When both VM network names are set, one of them must be on a NIC.
//   5. Static addresses from guestinfo.metadata go first, in their metadata order.
//   6. Per IP family, in priority order: drop candidates in the exclude CIDRs (per kind); then
//      InternalIP/ExternalIP is the first candidate in the subnet CIDRs (CIDRs in order); else the
//      first on the VM network name; if neither kind matched anything, the first candidate is both.
//   7. Every configured family must yield an address, or the node waits.
import type { VmSummary } from "../../vsphere/types.js";
import { staticAddresses } from "./guestinfo.js";
import {
  canonicalIp,
  cidrContains,
  localOnlyReason,
  parseCidrs,
  parseIp,
  type ParsedCidr,
  type ParsedIp,
} from "./ip.js";

export type IpFamily = "ipv4" | "ipv6";
export type NodeAddressType = "Hostname" | "InternalIP" | "ExternalIP";
export interface NodeAddress {
  type: NodeAddressType;
  address: string;
}

/**
 * Address rules. Field names follow the config module's `nodes` section, so `config.nodes` can be
 * passed as it is; CIDR lists are upstream's comma-separated strings, split.
 */
export interface AddressOptions {
  /** Families in priority order (upstream `ip-family` / `ipFamily` of the VM's vCenter); empty means ["ipv4"]. */
  ipFamilies: readonly IpFamily[];
  internalNetworkSubnetCidr?: readonly string[];
  externalNetworkSubnetCidr?: readonly string[];
  internalVmNetworkName?: string;
  externalVmNetworkName?: string;
  excludeInternalNetworkSubnetCidr?: readonly string[];
  excludeExternalNetworkSubnetCidr?: readonly string[];
}

export type AddressSelection =
  { addresses: NodeAddress[]; explanation: string[] } | { reason: string; explanation: string[] };

interface Candidate {
  ip: string;
  parsed: ParsedIp;
  network: string;
  nic: string;
}

interface Rules {
  internalSubnets: ParsedCidr[];
  externalSubnets: ParsedCidr[];
  excludeInternal: ParsedCidr[];
  excludeExternal: ParsedCidr[];
  internalName?: string;
  externalName?: string;
}

const sameName = (a: string | undefined, b: string | undefined) => (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
const nicLabel = (n: VmSummary["nics"][number]) => `NIC ${n.deviceConfigId ?? "?"} on "${n.network ?? ""}"`;

function parseRules(opts: AddressOptions): Rules | { reason: string } {
  const lists = {
    internalNetworkSubnetCidr: parseCidrs(opts.internalNetworkSubnetCidr),
    externalNetworkSubnetCidr: parseCidrs(opts.externalNetworkSubnetCidr),
    excludeInternalNetworkSubnetCidr: parseCidrs(opts.excludeInternalNetworkSubnetCidr),
    excludeExternalNetworkSubnetCidr: parseCidrs(opts.excludeExternalNetworkSubnetCidr),
  };
  for (const [key, r] of Object.entries(lists)) if ("bad" in r) return { reason: `${key}: "${r.bad}" is not a CIDR` };
  const get = (r: (typeof lists)[keyof typeof lists]) => ("cidrs" in r ? r.cidrs : []);
  return {
    internalSubnets: get(lists.internalNetworkSubnetCidr),
    externalSubnets: get(lists.externalNetworkSubnetCidr),
    excludeInternal: get(lists.excludeInternalNetworkSubnetCidr),
    excludeExternal: get(lists.excludeExternalNetworkSubnetCidr),
    internalName: opts.internalVmNetworkName || undefined,
    externalName: opts.externalVmNetworkName || undefined,
  };
}

/** Rules 2 and 3: the publishable addresses of the VM's virtual NICs, in NIC order. */
function collectCandidates(vm: VmSummary, why: string[]): Candidate[] {
  const out: Candidate[] = [];
  for (const nic of vm.nics) {
    const label = nicLabel(nic);
    if (nic.deviceConfigId === -1) {
      const ips = nic.ipAddresses.join(", ") || "no IPs";
      why.push(`device on "${nic.network ?? ""}": skipped, not a virtual NIC (deviceConfigId -1): ${ips}`);
      continue;
    }
    if (nic.ipAddresses.length === 0) why.push(`${label}: no IPs reported`);
    for (const ip of nic.ipAddresses) {
      const local = localOnlyReason(ip);
      const parsed = parseIp(ip);
      if (local || !parsed) {
        why.push(`${ip} (${label}): skipped, ${local ?? "invalid"}`);
        continue;
      }
      out.push({ ip, parsed, network: nic.network ?? "", nic: label });
    }
  }
  return out;
}

/** Rule 5: stable sort, static addresses first in metadata order. */
function staticFirst(cands: Candidate[], statics: string[]): Candidate[] {
  const rank = (c: Candidate) => {
    const i = statics.indexOf(c.parsed.canonical);
    return i < 0 ? statics.length : i;
  };
  return cands
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map((x) => x.c);
}

function withoutExcluded(cands: Candidate[], cidrs: ParsedCidr[], kind: string, why: string[]): Candidate[] {
  return cands.filter((c) => {
    const hit = cidrs.find((n) => cidrContains(n, c.parsed));
    if (hit) why.push(`${c.ip}: not ${kind}, in exclude CIDR ${hit.text}`);
    return !hit;
  });
}

type Pick = { cand: Candidate; rule: string } | undefined;

function bySubnet(cands: Candidate[], cidrs: ParsedCidr[]): Pick {
  for (const n of cidrs) {
    const cand = cands.find((c) => cidrContains(n, c.parsed));
    if (cand) return { cand, rule: `in subnet CIDR ${n.text}` };
  }
  return undefined;
}

function byNetworkName(cands: Candidate[], name: string | undefined): Pick {
  const cand = name === undefined ? undefined : cands.find((c) => sameName(c.network, name));
  return cand && { cand, rule: `first on VM network "${name}"` };
}

/** Rule 6 for one family (upstream discoverIPs). */
function pickForFamily(all: Candidate[], family: IpFamily, rules: Rules, why: string[]) {
  const ofFamily = all.filter((c) => c.parsed.family === (family === "ipv4" ? 4 : 6));
  why.push(`${family}: candidates ${ofFamily.map((c) => c.ip).join(", ") || "none"}`);
  const forInternal = withoutExcluded(ofFamily, rules.excludeInternal, "InternalIP", why);
  const forExternal = withoutExcluded(ofFamily, rules.excludeExternal, "ExternalIP", why);
  if (forInternal.length === 0 && forExternal.length === 0) return { internal: undefined, external: undefined };
  let internal = bySubnet(forInternal, rules.internalSubnets) ?? byNetworkName(forInternal, rules.internalName);
  let external = bySubnet(forExternal, rules.externalSubnets) ?? byNetworkName(forExternal, rules.externalName);
  if (!internal && !external) {
    const first = "first candidate (no subnet or network name rule matched)";
    internal = forInternal[0] && { cand: forInternal[0], rule: first };
    external = forExternal[0] && { cand: forExternal[0], rule: first };
  } else if (!internal || !external) {
    why.push(
      `${family}: no ${internal ? "ExternalIP" : "InternalIP"}: no rule matched it (no fallback once a rule matched)`,
    );
  }
  if (internal) why.push(`${family}: InternalIP ${internal.cand.ip} (${internal.cand.nic}): ${internal.rule}`);
  if (external) why.push(`${family}: ExternalIP ${external.cand.ip} (${external.cand.nic}): ${external.rule}`);
  return { internal: internal?.cand, external: external?.cand };
}

/** Rules 1 and 4: what must hold before addresses are looked at, or undefined. */
function precondition(vm: VmSummary, rules: Rules): string | undefined {
  if (!vm.guestHostName) return `VM ${vm.name} reports no guest host name yet (VMware Tools not running?)`;
  if (vm.nics.length === 0) return `VM ${vm.name} reports no guest NICs yet (VMware Tools not running?)`;
  if (rules.internalName && rules.externalName) {
    const nets = vm.nics.filter((n) => n.deviceConfigId !== -1).map((n) => n.network);
    if (!nets.some((n) => sameName(n, rules.internalName) || sameName(n, rules.externalName))) {
      return `VM ${vm.name} has no NIC on VM network "${rules.internalName}" or "${rules.externalName}" (networks: ${nets.join(", ")})`;
    }
  }
  return undefined;
}

/** The Node's addresses for a VM, or why there are none yet; `explanation` lists every decision. */
export function selectAddresses(vm: VmSummary, opts: AddressOptions): AddressSelection {
  const why: string[] = [];
  const rules = parseRules(opts);
  if ("reason" in rules) return { reason: rules.reason, explanation: why };
  const pre = precondition(vm, rules);
  if (pre) return { reason: pre, explanation: why };
  why.push(`Hostname ${vm.guestHostName}: guest host name`);
  const candidates = collectCandidates(vm, why);
  if (candidates.length === 0) return { reason: `VM ${vm.name} has no usable IP yet`, explanation: why };
  const statics = staticAddresses(vm.guestinfoMetadata, vm.guestinfoMetadataEncoding);
  if ("reason" in statics) return { reason: `VM ${vm.name}: ${statics.reason}`, explanation: why };
  why.push(statics.note);
  const ordered = staticFirst(candidates, statics.addresses);
  const unmatched = statics.addresses.filter((s) => !candidates.some((c) => c.parsed.canonical === s));
  if (unmatched.length) why.push(`static addresses not on any NIC (ignored): ${unmatched.map(canonicalIp).join(", ")}`);
  const addresses: NodeAddress[] = [{ type: "Hostname", address: vm.guestHostName as string }];
  const add = (type: NodeAddressType, address: string) => {
    if (!addresses.some((a) => a.type === type && a.address === address)) addresses.push({ type, address });
  };
  const families: readonly IpFamily[] = opts.ipFamilies.length ? opts.ipFamilies : ["ipv4"];
  for (const family of families) {
    const { internal, external } = pickForFamily(ordered, family, rules, why);
    if (!internal && !external)
      return { reason: `VM ${vm.name} has no usable ${family} address yet`, explanation: why };
    if (internal) add("InternalIP", internal.ip);
    if (external) add("ExternalIP", external.ip);
  }
  return { addresses, explanation: why };
}
