import { describe, expect, it } from "vitest";
import type { ObjectUpdate, UpdateBatch } from "../../vsphere/property.js";
import { moRef } from "../../vsphere/types.js";
import { InventoryStore } from "./store.js";

const enter = (type: string, value: string, values: Record<string, unknown>): ObjectUpdate => ({
  kind: "enter",
  obj: moRef(type, value),
  changes: Object.entries(values).map(([path, value]) => ({ path, op: "assign" as const, value: value as never })),
  missing: [],
});
const batch = (updates: ObjectUpdate[], extra: Partial<UpdateBatch> = {}): UpdateBatch => ({
  initial: false,
  truncated: false,
  version: "1",
  updates,
  ...extra,
});
const guestNet = (ip: string) => [{ network: "VM Network", ipAddress: ip, connected: "true", deviceConfigId: "4000" }];

const base = [
  enter("Datacenter", "dc-1", { name: "DC0", parent: moRef("Folder", "group-d1") }),
  enter("Folder", "group-v1", { name: "vm", parent: moRef("Datacenter", "dc-1") }),
  enter("VirtualMachine", "vm-1", {
    name: "node-a",
    "config.uuid": "4211AAAA-0000-0000-0000-000000000001",
    "guest.hostName": "Node-A.example",
    "guest.net": guestNet("10.0.0.5"),
    parent: moRef("Folder", "group-v1"),
  }),
];

describe("InventoryStore", () => {
  it("is synced only after a non-truncated batch, and indexes by uuid, DNS name and IP", () => {
    const s = new InventoryStore(["vc1"]);
    s.applyBatch("vc1", batch(base.slice(0, 1), { initial: true, truncated: true }));
    expect(s.synced).toBe(false);
    s.applyBatch("vc1", batch(base.slice(1)));
    expect(s.synced).toBe(true);
    expect(s.vmByUuid("4211aaaa-0000-0000-0000-000000000001").map((v) => v.name)).toEqual(["node-a"]);
    expect(s.vmsByDnsName("node-a.EXAMPLE").map((v) => v.name)).toEqual(["node-a"]);
    expect(s.vmsByIp("10.0.0.5").map((v) => v.datacenter)).toEqual(["DC0"]);
  });

  it("applies modify and leave, and reports changed and removed VMs", () => {
    const s = new InventoryStore(["vc1"]);
    s.applyBatch("vc1", batch(base, { initial: true }));
    const seen: string[] = [];
    s.onVmChange = (changed, removed) =>
      seen.push(...changed.map((v) => `changed:${v.name}:${v.powerState}`), ...removed.map((v) => `removed:${v.name}`));
    s.applyBatch(
      "vc1",
      batch([
        {
          kind: "modify",
          obj: moRef("VirtualMachine", "vm-1"),
          changes: [{ path: "runtime.powerState", op: "assign", value: "poweredOff" }],
          missing: [],
        },
      ]),
    );
    s.applyBatch("vc1", batch([{ kind: "leave", obj: moRef("VirtualMachine", "vm-1"), changes: [], missing: [] }]));
    expect(seen).toEqual(["changed:node-a:poweredOff", "removed:node-a"]);
    expect(s.vmByUuid("4211aaaa-0000-0000-0000-000000000001")).toEqual([]);
  });

  it("is not synced while any vCenter is unhealthy, and keeps its data", () => {
    const s = new InventoryStore(["vc1", "vc2"]);
    s.applyBatch("vc1", batch(base, { initial: true }));
    expect(s.synced).toBe(false); // vc2 never delivered
    s.applyBatch("vc2", batch([], { initial: true }));
    expect(s.synced).toBe(true);
    s.markUnhealthy("vc1", "TransportError: down");
    expect(s.synced).toBe(false);
    expect(s.unhealthy()).toEqual([{ vcenter: "vc1", reason: "TransportError: down" }]);
    expect(s.allVms()).toHaveLength(1);
  });

  it("resolves a VM's datacenter when its folders arrive in a later page of a truncated load", () => {
    const s = new InventoryStore(["vc1"]);
    s.applyBatch("vc1", batch([base[2]], { initial: true, truncated: true }));
    expect(s.allVms()[0].datacenter).toBeUndefined();
    s.applyBatch("vc1", batch(base.slice(0, 2)));
    expect(s.allVms()[0].datacenter).toBe("DC0");
  });

  it("says whether a tag refresh changed anything, and keeps tags and the tag error over a reconnect", () => {
    const s = new InventoryStore(["vc1"]);
    s.applyBatch("vc1", batch(base, { initial: true }));
    const dc = moRef("Datacenter", "dc-1");
    const folder = moRef("Folder", "group-v1");
    const zone = { category: "k8s-zone", name: "zone-a" };
    const region = { category: "k8s-region", name: "region-1" };
    const tags = (entries: [string, { category: string; name: string }[]][]) => new Map(entries);
    // First read: objects go from "not read" to read, even with no tags.
    expect(s.setTags("vc1", tags([]), [dc, folder])).toBe(true);
    expect(s.tagsOf("vc1", folder)).toEqual([]);
    expect(s.setTags("vc1", tags([]), [dc, folder])).toBe(false);
    expect(s.setTags("vc1", tags([["Datacenter:dc-1", [zone, region]]]), [dc, folder])).toBe(true);
    // Same tags in another order: no change.
    expect(s.setTags("vc1", tags([["Datacenter:dc-1", [region, zone]]]), [dc, folder])).toBe(false);
    // A detached tag is a change too.
    expect(s.setTags("vc1", tags([["Datacenter:dc-1", [region]]]), [dc, folder])).toBe(true);
    s.markTagsFailed("vc1", "RestError: 503");
    expect(s.tagError("vc1")).toBe("RestError: 503");
    s.applyBatch("vc1", batch(base, { initial: true }));
    expect(s.tagError("vc1")).toBe("RestError: 503");
    expect(s.tagsOf("vc1", dc)).toEqual([region]);
    expect(s.setTags("vc1", tags([["Datacenter:dc-1", [region]]]), [dc, folder])).toBe(false);
    expect(s.tagError("vc1")).toBeUndefined();
  });

  it("finds only VMs in the configured datacenters", () => {
    const scoped = new InventoryStore(["vc1"], { vc1: ["DC1"] });
    scoped.applyBatch("vc1", batch(base, { initial: true }));
    expect(scoped.vmByUuid("4211aaaa-0000-0000-0000-000000000001")).toEqual([]);
    const whole = new InventoryStore(["vc1"], { vc1: [] });
    whole.applyBatch("vc1", batch(base, { initial: true }));
    expect(whole.vmByUuid("4211aaaa-0000-0000-0000-000000000001")).toHaveLength(1);
  });

  describe("configured datacenters", () => {
    const UUID = "4211aaaa-0000-0000-0000-000000000001";
    // DC0 under the root folder, DC1 in folder "Lab", with a VM each.
    const two = [
      ...base,
      enter("Folder", "group-lab", { name: "Lab", parent: moRef("Folder", "group-d1") }),
      enter("Datacenter", "dc-2", { name: "DC1", parent: moRef("Folder", "group-lab") }),
      enter("Folder", "group-v2", { name: "vm", parent: moRef("Datacenter", "dc-2") }),
      enter("VirtualMachine", "vm-2", {
        name: "node-b",
        "config.uuid": "4211BBBB-0000-0000-0000-000000000002",
        "config.instanceUuid": "5011BBBB-0000-0000-0000-000000000002",
        parent: moRef("Folder", "group-v2"),
      }),
    ];
    const load = (entries: string[]) => {
      const s = new InventoryStore(["vc1"], { vc1: entries });
      const seen: string[][] = [];
      s.onScopeChange = (_vc, problems) => seen.push(problems.map((p) => p.value));
      s.applyBatch("vc1", batch(two, { initial: true }));
      return { s, seen };
    };

    it.each([["DC0"], ["/DC0"], ["dc-1"], ["Datacenter:dc-1"]])(
      "resolves %s and finds only that datacenter's VMs",
      (entry) => {
        const { s } = load([entry]);
        expect(s.scopeProblems()).toEqual([]);
        expect(s.vmByUuid(UUID).map((v) => v.name)).toEqual(["node-a"]);
        expect(s.vmByUuid("4211bbbb-0000-0000-0000-000000000002")).toEqual([]);
      },
    );

    it("resolves paths whether or not the feed holds the root folder", () => {
      const s = new InventoryStore(["vc1"], { vc1: ["/DC0", "/Lab/DC1"] });
      s.applyBatch("vc1", batch([...two, enter("Folder", "group-d1", { name: "Datacenters" })], { initial: true }));
      expect(s.scopeProblems()).toEqual([]);
      expect(s.vmByUuid(UUID)).toHaveLength(1);
    });

    it("resolves a path through a folder", () => {
      const path = load(["/Lab/DC1"]).s;
      expect(path.scopeProblems()).toEqual([]);
      expect(path.vmByUuid("4211bbbb-0000-0000-0000-000000000002").map((v) => v.datacenterId)).toEqual(["dc-2"]);
      expect(path.vmByUuid(UUID)).toEqual([]);
    });

    it("reports a datacenter that does not resolve once, finds nothing through it, and reports the fix", () => {
      const { s, seen } = load(["DC9"]);
      const problems = s.scopeProblems();
      expect(problems.map((p) => [p.vcenter, p.value])).toEqual([["vc1", "DC9"]]);
      expect(problems[0].reason).toMatch(/no datacenter named "DC9".*\/DC0 \(dc-1\), \/Lab\/DC1 \(dc-2\)/);
      // Nothing in scope: an unresolved entry never widens the scope to the whole vCenter.
      expect(s.vmByUuid(UUID)).toEqual([]);
      expect(seen).toEqual([["DC9"]]);
      // A VM change is no structural change: not reported again.
      s.applyBatch("vc1", batch([enter("VirtualMachine", "vm-1", { name: "node-a2" })]));
      expect(seen).toEqual([["DC9"]]);
      // The datacenter renamed to what the config says: resolved, reported, found.
      s.applyBatch("vc1", batch([enter("Datacenter", "dc-1", { name: "DC9" })]));
      expect(seen).toEqual([["DC9"], []]);
      expect(s.scopeProblems()).toEqual([]);
      expect(s.vmByUuid(UUID)).toHaveLength(1);
    });

    it("reports no problem before the inventory is complete", () => {
      const s = new InventoryStore(["vc1"], { vc1: ["DC9"] });
      s.applyBatch("vc1", batch(two, { initial: true, truncated: true }));
      expect(s.scopeProblems()).toEqual([]);
      expect(s.synced).toBe(false);
    });

    it("vmsAnywhere finds VMs outside the scope by BIOS or instance UUID", () => {
      const { s } = load(["DC0"]);
      expect(s.vmsAnywhere("4211BBBB-0000-0000-0000-000000000002").map((v) => v.name)).toEqual(["node-b"]);
      expect(s.vmsAnywhere("5011bbbb-0000-0000-0000-000000000002").map((v) => v.name)).toEqual(["node-b"]);
      expect(s.vmsAnywhere("4211cccc-0000-0000-0000-000000000003")).toEqual([]);
    });
  });

  describe("VMs that left", () => {
    const UUID = "4211aaaa-0000-0000-0000-000000000001";
    const leave = (type: string, value: string): ObjectUpdate => ({
      kind: "leave",
      obj: moRef(type, value),
      changes: [],
      missing: [],
    });

    it("a VM that left alone proves its absence as far as the inventory goes", () => {
      const s = new InventoryStore(["vc1"]);
      s.applyBatch("vc1", batch(base, { initial: true }));
      s.applyBatch("vc1", batch([leave("VirtualMachine", "vm-1")]));
      expect(s.leftWithAncestors(UUID)).toBeUndefined();
    });

    it("a VM whose folder left with it (a permission removed above it) proves nothing", () => {
      const s = new InventoryStore(["vc1"]);
      s.applyBatch("vc1", batch(base, { initial: true }));
      s.applyBatch("vc1", batch([leave("VirtualMachine", "vm-1"), leave("Folder", "group-v1")]));
      expect(s.leftWithAncestors(UUID.toUpperCase())).toMatch(
        /^VM vc1\/node-a left the inventory together with Folder:group-v1: what the account can see changed/,
      );
      // The folder left in a later batch: still no proof.
      const t = new InventoryStore(["vc1"]);
      t.applyBatch("vc1", batch(base, { initial: true }));
      t.applyBatch("vc1", batch([leave("VirtualMachine", "vm-1")]));
      t.applyBatch("vc1", batch([leave("Folder", "group-v1")]));
      expect(t.leftWithAncestors(UUID)).toMatch(/together with Folder:group-v1/);
    });
  });

  const modify = (value: string, changes: ObjectUpdate["changes"], missing: ObjectUpdate["missing"] = []) => ({
    kind: "modify" as const,
    obj: moRef("VirtualMachine", value),
    changes,
    missing,
  });
  const META = 'config.extraConfig["guestinfo.metadata"]';
  const ENC = 'config.extraConfig["guestinfo.metadata.encoding"]';
  const option = (key: string, value: string) => ({ _type: "OptionValue", key, value });

  it("decodes keyed extraConfig paths, and forgets them when removed or reported missing", () => {
    const s = new InventoryStore(["vc1"]);
    s.applyBatch("vc1", batch(base, { initial: true }));
    s.applyBatch(
      "vc1",
      batch([
        modify("vm-1", [
          { path: META, op: "add", value: option("guestinfo.metadata", "bWV0YQ==") },
          { path: ENC, op: "assign", value: option("guestinfo.metadata.encoding", "base64") },
        ]),
      ]),
    );
    const held = () => s.allVms()[0];
    expect([held().guestinfoMetadata, held().guestinfoMetadataEncoding]).toEqual(["bWV0YQ==", "base64"]);
    s.applyBatch("vc1", batch([modify("vm-1", [{ path: META, op: "remove", value: null }])]));
    expect(held().guestinfoMetadata).toBeUndefined();
    expect(held().guestinfoMetadataEncoding).toBe("base64");
    s.applyBatch("vc1", batch([modify("vm-1", [], [{ path: ENC, fault: "InvalidProperty" }])]));
    expect(held().guestinfoMetadataEncoding).toBeUndefined();
    // The other fields are untouched by a change that does not carry them.
    expect(held().uuid).toBe("4211aaaa-0000-0000-0000-000000000001");
  });

  it("keeps decoded fields only: a path the planners do not read is not held", () => {
    const s = new InventoryStore(["vc1"]);
    s.applyBatch("vc1", batch(base, { initial: true }));
    const before = s.allVms()[0];
    s.applyBatch(
      "vc1",
      batch([
        modify("vm-1", [
          { path: "config.extraConfig", op: "assign", value: [option("guestinfo.appInfo", "x".repeat(1000))] },
          { path: 'config.extraConfig["guestinfo.appInfo"]', op: "assign", value: option("guestinfo.appInfo", "y") },
        ]),
      ]),
    );
    const after = s.allVms()[0];
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).not.toContain("appInfo");
  });

  it("keeps its indexes current VM by VM: old keys go, new keys come, other VMs stay", () => {
    const s = new InventoryStore(["vc1"]);
    const second = enter("VirtualMachine", "vm-2", {
      name: "node-b",
      "config.uuid": "4211aaaa-0000-0000-0000-000000000002",
      "guest.hostName": "node-b",
      "guest.net": guestNet("10.0.0.6"),
      parent: moRef("Folder", "group-v1"),
    });
    s.applyBatch("vc1", batch([...base, second], { initial: true }));
    s.applyBatch(
      "vc1",
      batch([
        modify("vm-1", [
          { path: "guest.net", op: "assign", value: guestNet("10.0.0.9") },
          { path: "guest.hostName", op: "assign", value: "renamed" },
        ]),
      ]),
    );
    expect(s.vmsByIp("10.0.0.5")).toEqual([]);
    expect(s.vmsByIp("10.0.0.9").map((v) => v.name)).toEqual(["node-a"]);
    expect(s.vmsByDnsName("node-a.example")).toEqual([]);
    expect(s.vmsByDnsName("RENAMED").map((v) => v.name)).toEqual(["node-a"]);
    expect(s.vmsByIp("10.0.0.6").map((v) => v.name)).toEqual(["node-b"]);
    // Two VMs on one IP are both found (discovery then reports the ambiguity).
    s.applyBatch("vc1", batch([modify("vm-2", [{ path: "guest.net", op: "assign", value: guestNet("10.0.0.9") }])]));
    expect(
      s
        .vmsByIp("10.0.0.9")
        .map((v) => v.name)
        .sort(),
    ).toEqual(["node-a", "node-b"]);
    s.applyBatch("vc1", batch([{ kind: "leave", obj: moRef("VirtualMachine", "vm-1"), changes: [], missing: [] }]));
    expect(s.vmsByIp("10.0.0.9").map((v) => v.name)).toEqual(["node-b"]);
    // A reconnect's initial batch replaces the vCenter's VMs in the indexes too.
    s.applyBatch("vc1", batch(base, { initial: true }));
    expect(s.vmsByIp("10.0.0.9")).toEqual([]);
    expect(s.vmsByIp("10.0.0.5").map((v) => v.name)).toEqual(["node-a"]);
  });

  it("reports each changed VM with its previous version, and whether parent objects changed", () => {
    const s = new InventoryStore(["vc1"]);
    s.applyBatch("vc1", batch(base, { initial: true }));
    const seen: { changed: string[]; previous: string[]; objectsChanged: boolean }[] = [];
    s.onVmChange = (changed, _removed, d) =>
      seen.push({
        changed: changed.map((v) => v.guestHostName ?? ""),
        previous: d.previous.map((v) => v.guestHostName ?? ""),
        objectsChanged: d.objectsChanged,
      });
    s.applyBatch("vc1", batch([modify("vm-1", [{ path: "guest.hostName", op: "assign", value: "b" }])]));
    s.applyBatch("vc1", batch([enter("Folder", "group-v2", { name: "more", parent: moRef("Datacenter", "dc-1") })]));
    expect(seen).toEqual([
      { changed: ["b"], previous: ["Node-A.example"], objectsChanged: false },
      { changed: [], previous: [], objectsChanged: true },
    ]);
  });
});
