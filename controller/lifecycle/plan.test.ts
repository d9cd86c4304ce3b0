import { describe, expect, it } from "vitest";
import type { ScopeProblem } from "../inventory/scope.js";
import type { InventoryVm, LifecycleView } from "../inventory/types.js";
import { planLifecycle, type LifecycleNode } from "./plan.js";

const UUID = "4211aaaa-0000-0000-0000-000000000001";

function vm(over: Partial<InventoryVm> = {}): InventoryVm {
  return {
    ref: { type: "VirtualMachine", value: "vm-1" },
    name: "node-a",
    uuid: UUID,
    vcenter: "vc1",
    nics: [],
    powerState: "poweredOn",
    ...over,
  };
}

function view(
  vms: InventoryVm[],
  synced = true,
  unhealthy: { vcenter: string; reason: string }[] = [],
  more: { elsewhere?: InventoryVm[]; scope?: ScopeProblem[]; hidden?: string } = {},
): LifecycleView {
  return {
    synced,
    unhealthy: () => unhealthy,
    scopeProblems: () => more.scope ?? [],
    leftWithAncestors: (u) => (u === UUID ? more.hidden : undefined),
    vmsAnywhere: (u) => [...vms, ...(more.elsewhere ?? [])].filter((v) => v.uuid === u || v.instanceUuid === u),
    vmByUuid: (u) => vms.filter((v) => v.uuid === u),
    vmsByDnsName: () => [],
    vmsByIp: () => [],
    vm: () => undefined,
    object: () => undefined,
    tagsOf: () => undefined,
  };
}

const node = (over: Partial<LifecycleNode> = {}): LifecycleNode => ({
  name: "node-a",
  providerUuid: UUID,
  ready: false,
  hasShutdownTaint: false,
  ...over,
});
const on = { nodeDeletion: true };

describe("planLifecycle", () => {
  it.each([
    ["NotReady, VM off: taint", node(), [vm({ powerState: "poweredOff" })], "taint-shutdown"],
    [
      "NotReady, VM off, already tainted: nothing",
      node({ hasShutdownTaint: true }),
      [vm({ powerState: "poweredOff" })],
      "none",
    ],
    [
      "Ready, VM off: no taint (kubelet still reports)",
      node({ ready: true }),
      [vm({ powerState: "poweredOff" })],
      "none",
    ],
    ["tainted, VM on again: untaint", node({ hasShutdownTaint: true }), [vm()], "untaint-shutdown"],
    [
      "tainted, Ready: untaint",
      node({ ready: true, hasShutdownTaint: true }),
      [vm({ powerState: "poweredOff" })],
      "untaint-shutdown",
    ],
    ["NotReady, VM gone: delete", node(), [], "delete"],
    ["Unknown readiness, VM gone: delete", node({ ready: undefined }), [], "delete"],
    ["Ready, VM gone: nothing", node({ ready: true }), [], "none"],
    ["NotReady, VM on: nothing", node(), [vm()], "none"],
    [
      "NotReady, VM suspended: taint (any state but poweredOn, as upstream)",
      node(),
      [vm({ powerState: "suspended" })],
      "taint-shutdown",
    ],
    ["tainted, VM suspended: nothing", node({ hasShutdownTaint: true }), [vm({ powerState: "suspended" })], "none"],
    ["NotReady, power state unknown: nothing", node(), [vm({ powerState: undefined })], "none"],
    [
      "tainted, power state unknown: nothing",
      node({ hasShutdownTaint: true }),
      [vm({ powerState: undefined })],
      "none",
    ],
    ["no providerID: nothing", node({ providerUuid: undefined }), [], "none"],
    ["duplicate UUID: nothing", node(), [vm(), vm({ vcenter: "vc2" })], "none"],
  ] as const)("%s", (_name, n, vms, action) => {
    expect(planLifecycle(n, view([...vms]), on).action).toBe(action);
  });

  it("never deletes or taints while the inventory is out of sync", () => {
    const down = view([], false, [{ vcenter: "vc1", reason: "TransportError: connect ECONNREFUSED" }]);
    const r = planLifecycle(node(), down, on);
    expect(r).toEqual({
      action: "none",
      reason: "inventory not in sync (vc1: TransportError: connect ECONNREFUSED): taking no action",
    });
    expect(planLifecycle(node(), view([vm({ powerState: "poweredOff" })], false), on).action).toBe("none");
  });

  it("deletes nothing and changes no taint while a configured datacenter does not resolve, and says so", () => {
    const scope = [{ vcenter: "vc1", value: "DC9", reason: 'no datacenter named "DC9"' }];
    for (const [n, vms] of [
      [node(), []],
      [node(), [vm({ powerState: "poweredOff" })]],
      [node({ hasShutdownTaint: true }), [vm()]],
    ] as const) {
      const r = planLifecycle(n, view([...vms], true, [], { scope }), on);
      expect(r).toMatchObject({ action: "none", blocked: true });
      expect(r.reason).toContain('vCenter vc1 datacenters "DC9"');
    }
    // Control: the same node with the scope resolved is deleted.
    expect(planLifecycle(node(), view([]), on).action).toBe("delete");
  });

  it("does not delete a node whose VM is held outside the configured datacenters (by BIOS or instance UUID, either byte order)", () => {
    const swapped = "aaaa1142-0000-0000-0000-000000000001";
    for (const other of [
      vm({ datacenter: "DC1" }),
      vm({ uuid: "4211bbbb-0000-0000-0000-000000000009", instanceUuid: UUID }),
      vm({ uuid: swapped }),
    ]) {
      const r = planLifecycle(node(), view([], true, [], { elsewhere: [other] }), on);
      expect(r.action).toBe("none");
      expect(r.reason).toMatch(/outside the configured datacenters/);
    }
    // Control: the delete candidate carries the UUID the direct lookup must confirm.
    expect(planLifecycle(node(), view([]), on)).toMatchObject({ action: "delete", uuid: UUID });
  });

  it("does not delete a node whose VM left the inventory together with its folder or pool", () => {
    const hidden = "VM vc1/node-a left the inventory together with Folder:group-v9: what the account can see changed";
    const r = planLifecycle(node(), view([], true, [], { hidden }), on);
    expect(r).toMatchObject({ action: "none", blocked: true });
    expect(r.reason).toContain(hidden);
    // Control: left alone, it is a deletion candidate.
    expect(planLifecycle(node(), view([]), on).action).toBe("delete");
  });

  it("does not delete when node deletion is disabled", () => {
    const r = planLifecycle(node(), view([]), { nodeDeletion: false });
    expect(r.action).toBe("none");
    expect(r.reason).toMatch(/--no-node-deletion or SKIP_NODE_DELETION/);
  });
});
