import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { TAINT_UNINITIALIZED } from "../constants.js";
import { nic, UUID, UUID_SWAPPED, vm } from "../cloud/fixtures.js";
import { nodeLookupKeys, PendingIndex } from "./pending-index.js";

function k8sNode(
  name: string,
  o: { systemUUID?: string; providerID?: string; ips?: string[]; initialized?: boolean } = {},
): V1Node {
  return {
    metadata: { name },
    spec: {
      providerID: o.providerID,
      taints: o.initialized ? [] : [{ key: TAINT_UNINITIALIZED, value: "true", effect: "NoSchedule" }],
    },
    status: {
      nodeInfo: { systemUUID: o.systemUUID ?? "" } as never,
      addresses: (o.ips ?? []).map((address) => ({ type: "InternalIP", address })),
    },
  };
}

const OTHER = "11111111-2222-3333-4444-555555555555";

describe("PendingIndex", () => {
  // 1,000 pending Nodes, each with its own UUID, name and IP; plus one initialized Node.
  const uuidOf = (i: number) => `00000000-0000-0000-0000-${i.toString(16).padStart(12, "0")}`;
  const index = new PendingIndex();
  for (let i = 0; i < 1000; i++)
    index.upsert(k8sNode(`n-${i}`, { systemUUID: uuidOf(i).toUpperCase(), ips: [`10.1.${i >> 8}.${i & 255}`] }));
  index.upsert(k8sNode("done", { systemUUID: UUID, initialized: true }));

  it("holds only uninitialized Nodes", () => {
    expect(index.size).toBe(1000);
  });

  it("a change on one VM re-plans exactly the Nodes it can match: by UUID, name or IP, before or after", () => {
    const byUuid = vm({ uuid: uuidOf(7), guestHostName: undefined, nics: [] });
    expect([...index.affectedBy([byUuid])]).toEqual(["n-7"]);
    const byName = vm({ uuid: OTHER, guestHostName: "N-8", nics: [] });
    expect([...index.affectedBy([byName])]).toEqual(["n-8"]);
    const byIp = vm({ uuid: OTHER, guestHostName: "x", nics: [nic("VM Network", ["10.1.0.9", "fd00::1"])] });
    expect([...index.affectedBy([byIp])]).toEqual(["n-9"]);
    // An IP change: the Node of the old IP and the Node of the new one.
    const moved = vm({ uuid: OTHER, guestHostName: "x", nics: [nic("VM Network", ["10.1.0.10"])] });
    expect([...index.affectedBy([byIp, moved])].sort()).toEqual(["n-10", "n-9"]);
    // A VM no pending Node can match re-plans none of the 1,000.
    const unrelated = vm({ uuid: OTHER, guestHostName: "web-1", nics: [nic("VM Network", ["192.168.0.1"])] });
    expect(index.affectedBy([unrelated]).size).toBe(0);
  });

  it("matches byte-swapped UUIDs and IPv6 spellings as discovery does", () => {
    const i = new PendingIndex();
    i.upsert(k8sNode("swapped", { systemUUID: UUID_SWAPPED }));
    i.upsert(k8sNode("v6", { ips: ["FD00:0:0::5"] }));
    expect([...i.affectedBy([vm({ guestHostName: undefined, nics: [] })])]).toEqual(["swapped"]);
    expect([...i.affectedBy([vm({ uuid: OTHER, nics: [nic("n", ["fd00::5"])] })])]).toEqual(["v6"]);
  });

  it("uses only the providerID's UUID when set, and forgets Nodes once initialized or deleted", () => {
    const i = new PendingIndex();
    i.upsert(k8sNode("pid", { providerID: `vsphere://${UUID}`, ips: ["10.0.0.10"] }));
    expect(nodeLookupKeys({ name: "pid", providerID: `vsphere://${UUID}`, addresses: [] })).toEqual([
      `uuid:${UUID}`,
      `uuid:${UUID_SWAPPED}`,
    ]);
    expect([...i.affectedBy([vm({ uuid: OTHER })])]).toEqual([]); // same name and IP: not looked up
    expect([...i.affectedBy([vm()])]).toEqual(["pid"]);
    i.upsert(k8sNode("pid", { providerID: `vsphere://${UUID}`, initialized: true }));
    expect(i.affectedBy([vm()]).size).toBe(0);
    i.upsert(k8sNode("gone", { systemUUID: UUID }));
    i.remove(k8sNode("gone"));
    expect(i.size).toBe(0);
  });
});
