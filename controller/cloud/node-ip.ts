// The Node's address list from the VM's, as k8s.io/cloud-provider's node controller builds it on
// initialization and on every status update (node_controller.go updateNodeAddress and
// node/helpers GetNodeAddressesFromNodeIP):
//   1. the cloud's addresses in their order (Hostname, then per IP family InternalIP, ExternalIP);
//      when they hold no Hostname, the kubelet's Hostname entries are appended;
//   2. with the kubelet's --node-ip (annotation alpha.kubernetes.io/provided-node-ip: one IP or a
//      dual-stack pair), each node IP must be among them: the addresses equal to it go first, in
//      annotation order, and every other address of the same type is dropped (so a single IPv4
//      --node-ip on a dual-stack VM leaves no IPv6 InternalIP, as upstream); the rest follow.
//      A node IP the VM does not have means no update: the Node keeps its addresses.
import { parseIp, type ParsedIp } from "./ip.js";
import type { NodeAddress } from "./addresses.js";

export type NodeAddressesResult = { addresses: NodeAddress[] } | { reason: string };

export const PROVIDED_NODE_IP = "alpha.kubernetes.io/provided-node-ip";

/** component-helpers ParseNodeIPAnnotation: strict, one IP or an IPv4/IPv6 pair. */
export function parseNodeIpAnnotation(value: string): ParsedIp[] | { reason: string } {
  const ips: ParsedIp[] = [];
  for (const text of value.split(",")) {
    const p = parseIp(text);
    if (!p) return { reason: `provided node IP ${JSON.stringify(text)} (kubelet --node-ip) is not an IP` };
    ips.push(p);
  }
  if (ips.length > 2 || (ips.length === 2 && ips[0].family === ips[1].family)) {
    return { reason: `provided node IP "${value}" (kubelet --node-ip) must be one IP or a dual-stack pair` };
  }
  return ips;
}

const sameIp = (address: string, ip: ParsedIp) => parseIp(address)?.canonical === ip.canonical;

/** Step 2 alone (GetNodeAddressesFromNodeIP). */
export function applyNodeIp(provided: string | undefined, cloud: NodeAddress[]): NodeAddressesResult {
  if (provided === undefined) return { addresses: cloud };
  const ips = parseNodeIpAnnotation(provided);
  if ("reason" in ips) return ips;
  const enforced: NodeAddress[] = [];
  const types = new Set<string>();
  for (const ip of ips) {
    const hits = cloud.filter((a) => sameIp(a.address, ip));
    if (hits.length === 0) {
      const have = [...new Set(cloud.filter((a) => a.type !== "Hostname").map((a) => a.address))];
      return {
        reason:
          `provided node IP ${ip.canonical} (kubelet --node-ip) is not among the VM's addresses ` +
          `(${have.join(", ") || "none"})`,
      };
    }
    for (const a of hits) {
      enforced.push({ type: a.type, address: a.address });
      types.add(a.type);
    }
  }
  return { addresses: [...enforced, ...cloud.filter((a) => !types.has(a.type))] };
}

/** Steps 1 and 2: what the Node's status.addresses should be. */
export function nodeAddresses(
  cloud: NodeAddress[],
  current: readonly { type: string; address: string }[],
  provided: string | undefined,
): NodeAddressesResult {
  const withHost = cloud.some((a) => a.type === "Hostname")
    ? cloud
    : [...cloud, ...(current.filter((a) => a.type === "Hostname") as NodeAddress[])];
  return applyNodeIp(provided, withHost);
}
