import { describe, expect, it } from "vitest";
import type { InventoryVm } from "../inventory/types.js";
import { matchVm, nodeIps, type NodeFacts } from "./discovery.js";
import { UUID, UUID_SWAPPED, fakeView, nic, node, ref, vm } from "./fixtures.js";

const OTHER = "4211aaaa-0000-0000-0000-000000000002";
const a = vm();
const b = vm({
  ref: ref("VirtualMachine", "vm-2"),
  name: "node-b",
  uuid: OTHER,
  guestHostName: "node-b",
  nics: [nic("VM Network", ["10.0.0.20"])],
});
const inVc2 = vm({
  vcenter: "vc2",
  ref: ref("VirtualMachine", "vm-9"),
  name: "node-a-vc2",
  uuid: "4211bbbb-0000-0000-0000-000000000003",
});

/** Which VM (vcenter/name) and how, or the reason. */
function match(n: NodeFacts, vms: InventoryVm[]) {
  const r = matchVm(n, fakeView({ vms }));
  return "reason" in r ? r.reason : `${r.how} ${r.vm.vcenter}/${r.vm.name}`;
}

describe("matchVm", () => {
  it.each([
    ["providerID", node({ providerID: `vsphere://${OTHER}` }), [a, b], `providerID vc1/node-b`],
    [
      "providerID in the swapped form",
      node({ providerID: `vsphere://${UUID_SWAPPED}`, systemUUID: undefined }),
      [a, b],
      "providerID vc1/node-a",
    ],
    [
      "providerID wins over systemUUID",
      node({ providerID: `vsphere://${OTHER}`, systemUUID: UUID }),
      [a, b],
      "providerID vc1/node-b",
    ],
    ["systemUUID as reported (upper case)", node(), [a, b], "systemUUID vc1/node-a"],
    ["systemUUID byte-swapped", node({ systemUUID: UUID_SWAPPED }), [a, b], "systemUUID-swapped vc1/node-a"],
    [
      "systemUUID in another vCenter",
      node({ name: "x", systemUUID: inVc2.uuid }),
      [a, b, inVc2],
      "systemUUID vc2/node-a-vc2",
    ],
    ["DNS name when no systemUUID", node({ name: "node-b", systemUUID: undefined }), [a, b], "dnsName vc1/node-b"],
    ["DNS name is case-insensitive", node({ name: "NODE-B", systemUUID: undefined }), [a, b], "dnsName vc1/node-b"],
    [
      "DNS name when the systemUUID is unknown",
      node({ name: "node-b", systemUUID: "4211ffff-0000-0000-0000-00000000ffff" }),
      [a, b],
      "dnsName vc1/node-b",
    ],
    [
      "DNS name when the systemUUID is not a UUID",
      node({ name: "node-b", systemUUID: "VMware-42 1e" }),
      [a, b],
      "dnsName vc1/node-b",
    ],
    ["node name is an IP (upstream)", node({ name: "10.0.0.20", systemUUID: undefined }), [a, b], "ip vc1/node-b"],
    [
      "a reported InternalIP",
      node({
        name: "x",
        systemUUID: undefined,
        addresses: [
          { type: "Hostname", address: "10.0.0.10" },
          { type: "InternalIP", address: "10.0.0.20" },
        ],
      }),
      [a, b],
      "ip vc1/node-b",
    ],
    [
      "the provided node IP",
      node({ name: "x", systemUUID: undefined, providedNodeIp: "fd00::20, 10.0.0.20" }),
      [a, b],
      "ip vc1/node-b",
    ],
    [
      "an IPv6 address written long",
      node({ name: "x", systemUUID: undefined, addresses: [{ type: "InternalIP", address: "fd00:0:0:0:0:0:0:20" }] }),
      [vm({ nics: [nic("n", ["fd00::20"])] })],
      "ip vc1/node-a",
    ],
  ] as const)("%s", (_name, n, vms, out) => {
    expect(match(n, [...vms])).toBe(out);
  });

  it.each([
    [
      "providerID of another cloud",
      node({ providerID: "aws:///i-1" }),
      [a],
      'providerID "aws:///i-1" is not a vSphere providerID (vsphere://<uuid>)',
    ],
    [
      "providerID with no VM: no fallback to the name",
      node({ providerID: `vsphere://${OTHER}` }),
      [a],
      `no VM has the UUID of providerID vsphere://${OTHER} (nor its byte-swapped form aaaa1142-0000-0000-0000-000000000002)`,
    ],
    [
      "duplicate UUID across vCenters",
      node(),
      [a, vm({ vcenter: "vc2", ref: ref("VirtualMachine", "vm-5"), name: "clone" })],
      `systemUUID ${UUID}: 2 VMs match: vc1/node-a (vm-1), vc2/clone (vm-5)`,
    ],
    [
      "duplicate DNS names",
      node({ name: "node-a", systemUUID: undefined }),
      [a, vm({ ref: ref("VirtualMachine", "vm-3"), name: "node-a-old", uuid: OTHER, guestHostName: "Node-A" })],
      "DNS name node-a: 2 VMs match: vc1/node-a (vm-1), vc1/node-a-old (vm-3)",
    ],
    [
      "IPs of two VMs",
      node({
        name: "x",
        systemUUID: undefined,
        addresses: [
          { type: "InternalIP", address: "10.0.0.10" },
          { type: "ExternalIP", address: "10.0.0.20" },
        ],
      }),
      [a, b],
      "IPs 10.0.0.10, 10.0.0.20: 2 VMs match: vc1/node-a (vm-1), vc1/node-b (vm-2)",
    ],
    [
      "nothing matches",
      node({
        name: "node-z",
        systemUUID: "4211ffff-0000-0000-0000-00000000ffff",
        addresses: [{ type: "InternalIP", address: "10.9.9.9" }],
      }),
      [a, b],
      "no VM matched systemUUID 4211ffff-0000-0000-0000-00000000ffff (or swapped ffff1142-0000-0000-0000-00000000ffff), DNS name node-z, IPs 10.9.9.9",
    ],
    [
      "nothing to match with",
      node({ name: "node-z", systemUUID: undefined }),
      [a],
      "no VM matched no systemUUID, DNS name node-z, no node IPs",
    ],
  ] as const)("%s: reason", (_name, n, vms, reason) => {
    expect(match(n, [...vms])).toBe(reason);
  });

  it("matches the same VM once even when several of its IPs are the node's", () => {
    const multi = vm({ nics: [nic("n", ["10.0.0.10", "10.0.0.11"])] });
    const n = node({
      name: "x",
      systemUUID: undefined,
      addresses: [
        { type: "InternalIP", address: "10.0.0.10" },
        { type: "ExternalIP", address: "10.0.0.11" },
      ],
    });
    expect(match(n, [multi])).toBe("ip vc1/node-a");
  });

  it("explains the steps it took", () => {
    const r = matchVm(node({ name: "node-b", systemUUID: UUID.replace("422e", "ffff") }), fakeView({ vms: [a, b] }));
    expect(r.explanation).toEqual([
      "no VM with systemUUID ffff4956-ad22-1139-6d72-59cc8f26bc90 (or swapped 5649ffff-22ad-3911-6d72-59cc8f26bc90)",
      "guest host name node-b of VM vc1/node-b (vm-2) equals the node name",
    ]);
  });
});

describe("nodeIps", () => {
  it("takes the name when it is an IP, Internal/External addresses and the provided node IPs, once each", () => {
    expect(
      nodeIps({
        name: "10.0.0.1",
        addresses: [
          { type: "Hostname", address: "10.0.0.9" },
          { type: "InternalIP", address: "10.0.0.1" },
          { type: "ExternalIP", address: "fd00::1" },
        ],
        providedNodeIp: "10.0.0.2,bogus",
      }),
    ).toEqual(["10.0.0.1", "fd00::1", "10.0.0.2"]);
  });
});
