import { describe, expect, it } from "vitest";
import type { InventoryVm, Tag } from "../inventory/types.js";
import { CATEGORIES, UUID, fakeView, nic, node, regionTag, standardTree, vm, zoneTag } from "./fixtures.js";
import { planNodeInit, type InitOptions } from "./plan-init.js";
import type { NodeFacts } from "./discovery.js";

const opts = (over: Partial<InitOptions> = {}): InitOptions => ({
  addresses: { ipFamilies: ["ipv4"] },
  zones: CATEGORIES,
  ...over,
});
const TAGS = { "cluster-1": [zoneTag("zone-a")], "dc-1": [regionTag("region-1")] };

function plan(
  n: NodeFacts,
  o: InitOptions = opts(),
  vms: InventoryVm[] = [vm()],
  tags: Record<string, readonly Tag[]> = TAGS,
) {
  return planNodeInit(n, fakeView({ vms, objects: standardTree(), tags, tagsRead: true }), o);
}
const reasonOf = (p: ReturnType<typeof plan>) => ("reason" in p ? p.reason : "no reason");

describe("planNodeInit", () => {
  it("initializes a node matched by systemUUID", () => {
    const p = plan(node());
    expect(p).toMatchObject({
      how: "systemUUID",
      patch: {
        providerID: `vsphere://${UUID}`,
        addresses: [
          { type: "Hostname", address: "node-a" },
          { type: "InternalIP", address: "10.0.0.10" },
          { type: "ExternalIP", address: "10.0.0.10" },
        ],
        labels: {
          "node.kubernetes.io/instance-type": "vsphere-vm.cpu-4.mem-8gb.os-ubuntu",
          "beta.kubernetes.io/instance-type": "vsphere-vm.cpu-4.mem-8gb.os-ubuntu",
          "topology.kubernetes.io/zone": "zone-a",
          "failure-domain.beta.kubernetes.io/zone": "zone-a",
          "topology.kubernetes.io/region": "region-1",
          "failure-domain.beta.kubernetes.io/region": "region-1",
        },
        removeTaint: true,
      },
    });
  });

  it("keeps the providerID the node already has", () => {
    const pid = `vsphere://${UUID.toUpperCase()}`;
    expect(plan(node({ providerID: pid }))).toMatchObject({ how: "providerID", patch: { providerID: pid } });
  });

  it("sets no zone labels without tag categories", () => {
    const p = plan(node(), opts({ zones: {} }), [vm()], {});
    expect("patch" in p && Object.keys(p.patch.labels)).toEqual([
      "node.kubernetes.io/instance-type",
      "beta.kubernetes.io/instance-type",
    ]);
  });

  it("uses the IP families of the VM's vCenter", () => {
    const dual = vm({ nics: [nic("n", ["10.0.0.10", "fd00::10"])] });
    const p = plan(node(), opts({ ipFamiliesByVcenter: { vc1: ["ipv6", "ipv4"], vc2: ["ipv4"] } }), [dual]);
    expect("patch" in p && p.patch.addresses.map((a) => a.address)).toEqual([
      "node-a",
      "fd00::10",
      "fd00::10",
      "10.0.0.10",
      "10.0.0.10",
    ]);
  });

  it.each([
    ["VM without an IP", node(), [vm({ nics: [nic("n", [])] })], TAGS, "VM node-a has no usable IP yet"],
    [
      "VM without tools",
      node(),
      [vm({ guestHostName: undefined })],
      TAGS,
      "VM node-a reports no guest host name yet (VMware Tools not running?)",
    ],
    [
      "zone tag missing",
      node(),
      [vm()],
      { "dc-1": [regionTag("r")] },
      "VM node-a: zone/region tags not found: host path host esx-1",
    ],
    [
      "no VM",
      node({ systemUUID: undefined, name: "ghost" }),
      [vm()],
      TAGS,
      "no VM matched no systemUUID, DNS name ghost, no node IPs",
    ],
    [
      "VM without a BIOS UUID (matched by name)",
      node({ systemUUID: undefined }),
      [vm({ uuid: undefined })],
      TAGS,
      "VM vc1/node-a (vm-1) has no BIOS UUID (config.uuid) yet",
    ],
    [
      "hardware not read",
      node(),
      [vm({ numCpu: undefined })],
      TAGS,
      "VM node-a: CPU and memory not known yet (config.hardware not read)",
    ],
    [
      "zone tag name not a label value",
      node(),
      [vm()],
      { "host-1": [zoneTag("Zone A!")], "dc-1": [regionTag("r")] },
      'zone tag "Zone A!" is not a valid label value',
    ],
    [
      "provided node IP not on the VM",
      node({ providedNodeIp: "10.0.0.99" }),
      [vm()],
      TAGS,
      "provided node IP 10.0.0.99 (kubelet --node-ip) is not among the VM's addresses (10.0.0.10)",
    ],
  ] as const)("waits: %s", (_name, n, vms, tags, reason) => {
    const p = plan(n, opts(), [...vms], tags);
    expect(p).not.toHaveProperty("patch");
    expect(reasonOf(p)).toContain(reason);
  });

  it("says every missing piece at once", () => {
    const p = plan(node(), opts(), [vm({ nics: [nic("n", ["fe80::1"])] })], { "dc-1": [regionTag("r")] });
    expect(reasonOf(p)).toMatch(/^VM node-a has no usable IP yet; VM node-a: zone\/region tags not found: /);
  });

  it("waits for tags that are not read yet, as a wait on its own cache (no Event)", () => {
    const p = planNodeInit(node(), fakeView({ vms: [vm()], objects: standardTree() }), opts());
    expect(reasonOf(p)).toBe("VM node-a: tags of host esx-1 not read yet");
    expect(p).toMatchObject({ waitingFor: "tags" });
    // Other reasons of the same plan are told once the tags are in, not before.
    const noIp = planNodeInit(
      node(),
      fakeView({ vms: [vm({ nics: [nic("n", ["fe80::1"])] })], objects: standardTree() }),
      opts(),
    );
    expect(noIp).toMatchObject({ waitingFor: "tags" });
    // Positive control: the same plans with tags read are reasons about the node (Event-worthy).
    const read = planNodeInit(
      node(),
      fakeView({ vms: [vm({ nics: [nic("n", ["fe80::1"])] })], objects: standardTree(), tags: TAGS, tagsRead: true }),
      opts(),
    );
    expect(reasonOf(read)).toMatch(/^VM node-a has no usable IP yet$/);
    expect(read).not.toHaveProperty("waitingFor");
  });

  it("says a failed tag read as a reason about the node's VM (an Event), not as a wait", () => {
    const view = fakeView({ vms: [vm()], objects: standardTree(), tagErrors: { vc1: "RestError: 403 Forbidden" } });
    const p = planNodeInit(node(), view, opts());
    expect(reasonOf(p)).toBe("VM node-a: tags of host esx-1 could not be read (RestError: 403 Forbidden)");
    expect(p).not.toHaveProperty("waitingFor");
  });

  it("does nothing while the inventory is not synced", () => {
    const view = fakeView({ vms: [vm()], synced: false, unhealthy: [{ vcenter: "vc2", reason: "NotAuthenticated" }] });
    expect(planNodeInit(node(), view, opts())).toEqual({
      reason: "inventory not synced (vc2: NotAuthenticated)",
      explain: [],
      waitingFor: "inventory",
    });
  });

  it("adds --node-labels, never in k8s namespaces, never over the node's own labels", () => {
    const extraLabels = {
      "example.com/pool": "blue",
      "node.kubernetes.io/exclude-from-external-load-balancers": "true",
      "sub.k8s.io/x": "y",
      team: "a",
      owner: "me",
    };
    const p = plan(node({ labels: { team: "b", owner: "me" } }), opts({ extraLabels }));
    expect("patch" in p && p.patch.labels).toMatchObject({ "example.com/pool": "blue" });
    expect("patch" in p && Object.keys(p.patch.labels)).not.toContain("team");
    expect("patch" in p && Object.keys(p.patch.labels)).not.toContain("owner");
    expect("patch" in p && Object.keys(p.patch.labels)).not.toContain("sub.k8s.io/x");
    expect(p.explain).toContain("labels: --node-labels team skipped: the node already has it (= b)");
    expect(p.explain).toContain("labels: --node-labels owner skipped: the node already has it");
    expect(p.explain).toContain(
      "labels: --node-labels node.kubernetes.io/exclude-from-external-load-balancers skipped: kubernetes.io/k8s.io namespaces are reserved",
    );
  });

  it("refuses an invalid --node-labels value", () => {
    expect(reasonOf(plan(node(), opts({ extraLabels: { "example.com/x": "not valid" } })))).toBe(
      '--node-labels example.com/x: "not valid" is not a valid label value',
    );
  });

  it("explains the match, the addresses, the zone and the labels", () => {
    const p = plan(node());
    expect(p.explain[0]).toBe(`match: systemUUID ${UUID.toUpperCase()} is VM vc1/node-a (vm-1)`);
    expect(p.explain).toContain(
      'addresses: ipv4: InternalIP 10.0.0.10 (NIC 4000 on "VM Network"): first candidate (no subnet or network name rule matched)',
    );
    expect(p.explain).toContain("zone: host path: zone zone-a on cluster c1, region region-1 on datacenter dc1");
    expect(p.explain.at(-1)).toBe(`providerID: vsphere://${UUID}`);
  });
});
