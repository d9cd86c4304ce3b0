// What initializing one Node means, decided without I/O: the providerID, addresses and labels
// k8s.io/cloud-provider's node controller would write from upstream's InstanceMetadata, and the
// removal of node.cloudprovider.kubernetes.io/uninitialized, or the reasons it cannot be done yet.
// All-or-nothing: the taint is only removed with every required piece present (as upstream, where
// any InstanceMetadata error leaves the node tainted and retried).
import {
  LABEL_INSTANCE_TYPE,
  LABEL_INSTANCE_TYPE_LEGACY,
  LABEL_REGION,
  LABEL_REGION_LEGACY,
  LABEL_ZONE,
  LABEL_ZONE_LEGACY,
} from "../constants.js";
import type { InventoryView, InventoryVm } from "../inventory/types.js";
import { selectAddresses, type AddressOptions, type IpFamily, type NodeAddress } from "./addresses.js";
import { matchVm, vmLabel, type MatchHow, type NodeFacts } from "./discovery.js";
import { instanceType } from "./instance-type.js";
import { nodeAddresses } from "./node-ip.js";
import { providerIdOf } from "./uuid.js";
import { zoneAndRegion, type ZoneCategories } from "./zones.js";

export interface InitOptions {
  /** Address rules; `ipFamilies` applies to VMs of vCenters without an entry in `ipFamiliesByVcenter`. */
  addresses: AddressOptions;
  /** Per-vCenter IP family priority (upstream's per-VirtualCenter `ip-family`), by vCenter name. */
  ipFamiliesByVcenter?: Readonly<Record<string, readonly IpFamily[]>>;
  zones: ZoneCategories;
  /** --node-labels: added to every node, never over a label the node has, never in k8s namespaces. */
  extraLabels?: Readonly<Record<string, string>>;
}

export interface NodeInitPatch {
  /** The node's own providerID when it has one (immutable), else `vsphere://<config.uuid>`. */
  providerID: string;
  addresses: NodeAddress[];
  labels: Record<string, string>;
  removeTaint: true;
}

/**
 * What a "not yet" waits for when it is the controller's own caches, not the Node or its VM: the
 * inventory not synced, or tags not read yet. Such a reason is logged, not put in a Node Event
 * (it would be the same for every Node, and gone once the cache is complete).
 */
export type WaitingFor = "inventory" | "tags";

export type NodeInitPlan =
  | { patch: NodeInitPatch; vm: InventoryVm; how: MatchHow; explain: string[] }
  | { reason: string; explain: string[]; waitingFor?: WaitingFor };

const K8S_NAMESPACE = /(^|\.)(kubernetes|k8s)\.io\//;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const validLabelValue = (v: string) => v.length <= 63 && LABEL_VALUE.test(v);

function notSynced(view: InventoryView): string {
  const bad = view.unhealthy().map((u) => `${u.vcenter}: ${u.reason}`);
  return `inventory not synced${bad.length ? ` (${bad.join("; ")})` : ""}`;
}

type Labels = { labels: Record<string, string>; problems: string[] };

function cloudLabels(
  type: string | undefined,
  zone: string | undefined,
  region: string | undefined,
  why: string[],
): Labels {
  const labels: Record<string, string> = {};
  const problems: string[] = [];
  const set = (keys: string[], value: string | undefined, what: string) => {
    if (value === undefined || value === "") return;
    if (!validLabelValue(value)) problems.push(`${what} "${value}" is not a valid label value`);
    for (const k of keys) labels[k] = value;
    why.push(`labels: ${keys.join(", ")} = ${value}`);
  };
  set([LABEL_INSTANCE_TYPE, LABEL_INSTANCE_TYPE_LEGACY], type, "instance type");
  set([LABEL_ZONE, LABEL_ZONE_LEGACY], zone, "zone tag");
  set([LABEL_REGION, LABEL_REGION_LEGACY], region, "region tag");
  return { labels, problems };
}

function extraLabels(
  node: NodeFacts,
  extra: Readonly<Record<string, string>> | undefined,
  into: Labels,
  why: string[],
): void {
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (K8S_NAMESPACE.test(k)) {
      why.push(`labels: --node-labels ${k} skipped: kubernetes.io/k8s.io namespaces are reserved`);
    } else if (node.labels && Object.hasOwn(node.labels, k)) {
      why.push(
        `labels: --node-labels ${k} skipped: the node already has it${node.labels[k] !== v ? ` (= ${node.labels[k]})` : ""}`,
      );
    } else if (!validLabelValue(v)) {
      into.problems.push(`--node-labels ${k}: "${v}" is not a valid label value`);
    } else {
      into.labels[k] = v;
      why.push(`labels: ${k} = ${v} (--node-labels)`);
    }
  }
}

const tag = (prefix: string, lines: string[]) => lines.map((l) => `${prefix}: ${l}`);

/** The initialization patch for a node, or why it must wait; `explain` says how it was decided. */
export function planNodeInit(node: NodeFacts, view: InventoryView, opts: InitOptions): NodeInitPlan {
  if (!view.synced) return { reason: notSynced(view), explain: [], waitingFor: "inventory" };
  const match = matchVm(node, view);
  const explain = tag("match", match.explanation);
  if ("reason" in match) return { reason: match.reason, explain };
  const vm = match.vm;
  if (!vm.uuid) return { reason: `VM ${vmLabel(vm)} has no BIOS UUID (config.uuid) yet`, explain };
  const reasons: string[] = [];
  const ipFamilies = opts.ipFamiliesByVcenter?.[vm.vcenter] ?? opts.addresses.ipFamilies;
  const selected = selectAddresses(vm, { ...opts.addresses, ipFamilies });
  explain.push(...tag("addresses", selected.explanation));
  let addresses: NodeAddress[] = [];
  if ("reason" in selected) reasons.push(selected.reason);
  else {
    const preferred = nodeAddresses(selected.addresses, node.addresses, node.providedNodeIp);
    if ("reason" in preferred) reasons.push(preferred.reason);
    else addresses = preferred.addresses;
  }
  const type = instanceType(vm);
  if ("reason" in type) reasons.push(type.reason);
  const zones = zoneAndRegion(vm, view, opts.zones);
  explain.push(...tag("zone", zones.explanation));
  if ("reason" in zones) reasons.push(zones.reason);
  const labels = cloudLabels(
    "instanceType" in type ? type.instanceType : undefined,
    "zone" in zones ? zones.zone : undefined,
    "region" in zones ? zones.region : undefined,
    explain,
  );
  extraLabels(node, opts.extraLabels, labels, explain);
  reasons.push(...labels.problems);
  // Tags not read yet decide nothing: the other reasons are told once the tags are in.
  if ("notRead" in zones) return { reason: reasons.join("; "), explain, waitingFor: "tags" };
  if (reasons.length > 0) return { reason: reasons.join("; "), explain };
  const providerID = node.providerID || providerIdOf(vm.uuid);
  explain.push(`providerID: ${providerID}${node.providerID ? " (already set on the node)" : ""}`);
  return { patch: { providerID, addresses, labels: labels.labels, removeTaint: true }, vm, how: match.how, explain };
}
