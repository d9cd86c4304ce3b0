import { describe, expect, it } from "vitest";
import type { Tag } from "../inventory/types.js";
import { CATEGORIES, fakeView, ref, regionTag, standardTree, vm, zoneTag } from "./fixtures.js";
import { zoneAndRegion } from "./zones.js";

/** Answer for the standard tree with the given tags (by MoRef value); all other objects have none. */
function answer(
  tags: Record<string, readonly Tag[]>,
  over: { tagsRead?: boolean; vm?: Parameters<typeof vm>[0] } = {},
) {
  const view = fakeView({ vms: [vm(over.vm)], objects: standardTree(), tags, tagsRead: over.tagsRead ?? true });
  const r = zoneAndRegion(vm(over.vm), view, CATEGORIES);
  return "reason" in r ? r.reason : { zone: r.zone, region: r.region, foundOn: r.foundOn };
}

const found = (zone: string, zoneOn: string, region: string, regionOn: string) => ({
  zone,
  region,
  foundOn: { zone: zoneOn, region: regionOn },
});

describe("zoneAndRegion", () => {
  it.each([
    [
      "zone on host, region on datacenter",
      { "host-1": [zoneTag("z-host")], "dc-1": [regionTag("r1")] },
      found("z-host", "host esx-1", "r1", "datacenter dc1"),
    ],
    [
      "zone on cluster, region on datacenter",
      { "cluster-1": [zoneTag("z-c1")], "dc-1": [regionTag("r1")] },
      found("z-c1", "cluster c1", "r1", "datacenter dc1"),
    ],
    [
      "both on the datacenter",
      { "dc-1": [zoneTag("z"), regionTag("r")] },
      found("z", "datacenter dc1", "r", "datacenter dc1"),
    ],
    ["both on the host", { "host-1": [regionTag("r"), zoneTag("z")] }, found("z", "host esx-1", "r", "host esx-1")],
    [
      "on the host folder",
      { "folder-host": [zoneTag("z"), regionTag("r")] },
      found("z", "folder host", "r", "folder host"),
    ],
    [
      // The vSphere CSI driver's rule (GetTopologyLabels: "prefer cluster over host"), and upstream's CCM.
      "the higher zone wins until the region is found (cluster over host)",
      { "host-1": [zoneTag("z-host")], "cluster-1": [zoneTag("z-cluster")], "dc-1": [regionTag("r1")] },
      found("z-cluster", "cluster c1", "r1", "datacenter dc1"),
    ],
    [
      "a zone above the object where the region is found does not count",
      { "host-1": [zoneTag("z-host")], "cluster-1": [regionTag("r1")], "dc-1": [zoneTag("z-dc")] },
      found("z-host", "host esx-1", "r1", "cluster c1"),
    ],
    [
      "an object with both tags counts as a whole (its zone replaces a lower one)",
      { "host-1": [zoneTag("z-host")], "cluster-1": [regionTag("r1"), zoneTag("z-cluster")] },
      found("z-cluster", "cluster c1", "r1", "cluster c1"),
    ],
    [
      "a farther object's duplicate tags do not matter once found",
      { "host-1": [zoneTag("z-host"), regionTag("r")], "dc-1": [zoneTag("a"), zoneTag("b")] },
      found("z-host", "host esx-1", "r", "host esx-1"),
    ],
    [
      "host path lacks a zone: the resource pool path is used",
      { "rp-1": [zoneTag("z-rp")], "dc-1": [regionTag("r1")] },
      found("z-rp", "resource pool Resources", "r1", "datacenter dc1"),
    ],
    [
      "zone only on the VM folder",
      { "folder-vms": [zoneTag("z-folder")], "dc-1": [regionTag("r1")] },
      found("z-folder", "folder vms", "r1", "datacenter dc1"),
    ],
    [
      "zone on the VM itself (upstream's third walk)",
      { "vm-1": [zoneTag("z-vm")], "dc-1": [regionTag("r1")] },
      found("z-vm", "VM node-a", "r1", "datacenter dc1"),
    ],
    [
      "the VM's folder wins over the VM in the third walk",
      { "vm-1": [zoneTag("z-vm")], "folder-vms": [zoneTag("z-folder")], "dc-1": [regionTag("r1")] },
      found("z-folder", "folder vms", "r1", "datacenter dc1"),
    ],
    [
      "other categories are ignored; names are case-sensitive",
      {
        "host-1": [{ category: "K8s-Zone", name: "x" }, { category: "other", name: "y" }, zoneTag("z")],
        "dc-1": [regionTag("r")],
      },
      found("z", "host esx-1", "r", "datacenter dc1"),
    ],
  ])("%s", (_name, tags, out) => {
    expect(answer(tags)).toEqual(out);
  });

  it.each([
    [
      "zone tag missing everywhere",
      { "dc-1": [regionTag("r1")] },
      'VM node-a: zone/region tags not found: host path host esx-1 > cluster c1 > folder host > datacenter dc1 has no zone ("k8s-zone") tag; ' +
        'resource pool path resource pool Resources > cluster c1 > folder host > datacenter dc1 has no zone ("k8s-zone") tag; ' +
        'VM folder path VM node-a > folder vms > folder vm > datacenter dc1 has no zone ("k8s-zone") tag',
    ],
    [
      "two zone tags on one object",
      { "cluster-1": [zoneTag("a"), zoneTag("b")], "dc-1": [regionTag("r")] },
      'VM node-a: cluster c1 has 2 tags of category "k8s-zone" (a, b)',
    ],
  ])("%s", (_name, tags, reason) => {
    expect(answer(tags)).toBe(reason);
  });

  it("waits for tags not read yet on the way", () => {
    const view = fakeView({
      vms: [vm()],
      objects: standardTree(),
      tags: { "host-1": [], "cluster-1": [zoneTag("z")] },
    });
    expect(zoneAndRegion(vm(), view, CATEGORIES)).toMatchObject({
      reason: "VM node-a: tags of folder host not read yet",
      notRead: true,
    });
  });

  it("says why tags could not be read when the last read failed, as a reason of its own", () => {
    const view = fakeView({
      vms: [vm()],
      objects: standardTree(),
      tagErrors: { vc1: "RestError: 403 Forbidden" },
    });
    const answer = zoneAndRegion(vm(), view, CATEGORIES);
    expect(answer).toMatchObject({
      reason: "VM node-a: tags of host esx-1 could not be read (RestError: 403 Forbidden)",
    });
    expect(answer).not.toHaveProperty("notRead");
  });

  it("does not mark a missing tag as not read (it is a fact about vCenter)", () => {
    const view = fakeView({ vms: [vm()], objects: standardTree(), tagsRead: true, tags: { "dc-1": [regionTag("r")] } });
    const answer = zoneAndRegion(vm(), view, CATEGORIES);
    expect("reason" in answer && answer.reason).toMatch(/zone\/region tags not found/);
    expect(answer).not.toHaveProperty("notRead");
  });

  it("does not wait for tags beyond the objects it needs", () => {
    const view = fakeView({ vms: [vm()], objects: standardTree(), tags: { "host-1": [zoneTag("z"), regionTag("r")] } });
    expect(zoneAndRegion(vm(), view, CATEGORIES)).toMatchObject({ zone: "z", region: "r" });
  });

  it("waits for the VM's own tags when the third walk needs them and they are not read yet", () => {
    const view = fakeView({
      vms: [vm()],
      objects: standardTree(),
      tags: {
        "folder-vms": [zoneTag("z"), regionTag("r")],
        "host-1": [],
        "cluster-1": [],
        "folder-host": [],
        "dc-1": [],
        "rp-1": [],
      },
    });
    expect(zoneAndRegion(vm(), view, CATEGORIES)).toMatchObject({
      reason: "VM node-a: tags of VM node-a not read yet",
      notRead: true,
    });
  });

  it("says which lower zone a higher one replaced", () => {
    const view = fakeView({
      vms: [vm()],
      objects: standardTree(),
      tags: { "host-1": [zoneTag("z-host")], "cluster-1": [zoneTag("z-cluster")], "dc-1": [regionTag("r1")] },
    });
    expect(zoneAndRegion(vm(), view, CATEGORIES).explanation).toContain(
      "cluster c1: zone z-cluster replaces z-host from host esx-1 (the higher object wins)",
    );
  });

  it("walks on when the host is not in the inventory", () => {
    expect(answer({ "rp-1": [zoneTag("z"), regionTag("r")] }, { vm: { host: ref("HostSystem", "host-404") } })).toEqual(
      found("z", "resource pool Resources", "r", "resource pool Resources"),
    );
  });

  it.each([
    ["no categories", {}],
    ["only a zone category (upstream needs both)", { zoneCategory: "k8s-zone" }],
    ["only a region category", { regionCategory: "k8s-region" }],
  ])("gives no zone with %s", (_name, cats) => {
    const view = fakeView({ vms: [vm()], objects: standardTree(), tags: { "host-1": [zoneTag("z"), regionTag("r")] } });
    const r = zoneAndRegion(vm(), view, cats);
    expect(r).toMatchObject({ foundOn: {} });
    expect(r).not.toHaveProperty("zone");
    expect(r.explanation).toHaveLength(1);
  });

  it("explains each walk", () => {
    const view = fakeView({
      vms: [vm()],
      objects: standardTree(),
      tags: { "rp-1": [zoneTag("z")], "host-1": [regionTag("r")] },
      tagsRead: true,
    });
    expect(zoneAndRegion(vm(), view, CATEGORIES).explanation).toEqual([
      'host path host esx-1 > cluster c1 > folder host > datacenter dc1: no zone ("k8s-zone") tag, partial result discarded',
      'resource pool path resource pool Resources > cluster c1 > folder host > datacenter dc1: no region ("k8s-region") tag, partial result discarded',
      'VM folder path VM node-a > folder vms > folder vm > datacenter dc1: no zone ("k8s-zone") or region ("k8s-region") tag',
    ]);
  });
});
