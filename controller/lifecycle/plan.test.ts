import { describe, expect, it } from "vitest";
import type { InventoryView, InventoryVm } from "../inventory/types.js";
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

function view(vms: InventoryVm[], synced = true, unhealthy: { vcenter: string; reason: string }[] = []): InventoryView {
  return {
    synced,
    unhealthy: () => unhealthy,
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
    ["suspended: nothing", node(), [vm({ powerState: "suspended" })], "none"],
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

  it("does not delete when node deletion is disabled", () => {
    const r = planLifecycle(node(), view([]), { nodeDeletion: false });
    expect(r.action).toBe("none");
    expect(r.reason).toMatch(/--no-node-deletion or SKIP_NODE_DELETION/);
  });
});
