import { describe, expect, it } from "vitest";
import type { NodeAddress } from "./addresses.js";
import { applyNodeIp, nodeAddresses } from "./node-ip.js";

// A dual-stack VM's addresses in upstream's order: Hostname, then per family InternalIP, ExternalIP.
const dual: NodeAddress[] = [
  { type: "Hostname", address: "node-a" },
  { type: "InternalIP", address: "10.0.0.10" },
  { type: "ExternalIP", address: "192.0.2.10" },
  { type: "InternalIP", address: "fd00::10" },
  { type: "ExternalIP", address: "2001:db8::10" },
];
const show = (r: ReturnType<typeof applyNodeIp>) =>
  "reason" in r ? r.reason : r.addresses.map((a) => `${a.type}=${a.address}`);

describe("--node-ip (provided-node-ip), as k8s.io/cloud-provider GetNodeAddressesFromNodeIP", () => {
  it.each([
    [
      undefined,
      [
        "Hostname=node-a",
        "InternalIP=10.0.0.10",
        "ExternalIP=192.0.2.10",
        "InternalIP=fd00::10",
        "ExternalIP=2001:db8::10",
      ],
    ],
    // The node IP's type keeps only the node IP: one IPv4 --node-ip leaves no IPv6 InternalIP.
    ["10.0.0.10", ["InternalIP=10.0.0.10", "Hostname=node-a", "ExternalIP=192.0.2.10", "ExternalIP=2001:db8::10"]],
    [
      "fd00:0::10,10.0.0.10",
      [
        "InternalIP=fd00::10",
        "InternalIP=10.0.0.10",
        "Hostname=node-a",
        "ExternalIP=192.0.2.10",
        "ExternalIP=2001:db8::10",
      ],
    ],
    ["192.0.2.10", ["ExternalIP=192.0.2.10", "Hostname=node-a", "InternalIP=10.0.0.10", "InternalIP=fd00::10"]],
  ])("%s", (provided, want) => {
    expect(show(applyNodeIp(provided, dual))).toEqual(want);
  });

  it.each([
    [
      "10.0.0.99",
      "provided node IP 10.0.0.99 (kubelet --node-ip) is not among the VM's addresses (10.0.0.10, 192.0.2.10, fd00::10, 2001:db8::10)",
    ],
    ["node-a", 'provided node IP "node-a" (kubelet --node-ip) is not an IP'],
    [" 10.0.0.10", 'provided node IP " 10.0.0.10" (kubelet --node-ip) is not an IP'],
    [
      "10.0.0.10,10.0.0.11",
      'provided node IP "10.0.0.10,10.0.0.11" (kubelet --node-ip) must be one IP or a dual-stack pair',
    ],
  ])("refuses %j", (provided, reason) => {
    expect(applyNodeIp(provided, dual)).toEqual({ reason });
  });

  it("appends the kubelet's Hostname when the cloud gives none", () => {
    const cloud: NodeAddress[] = [{ type: "InternalIP", address: "10.0.0.10" }];
    expect(show(nodeAddresses(cloud, [{ type: "Hostname", address: "kubelet-name" }], undefined))).toEqual([
      "InternalIP=10.0.0.10",
      "Hostname=kubelet-name",
    ]);
    expect(show(nodeAddresses(dual.slice(0, 2), [{ type: "Hostname", address: "kubelet-name" }], undefined))).toEqual([
      "Hostname=node-a",
      "InternalIP=10.0.0.10",
    ]);
  });
});
