// The controller's inventory follows vCenter through the change feed: full state on start,
// power changes without polling, unhealthy while vCenter is down, re-synced after it returns.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, enginesPki } from "../env/context.js";
import { restartVcsim, sessionFor, startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";
import type { VsphereSession } from "../../vsphere/session.js";
import { InventoryStore } from "../../controller/inventory/store.js";
import { runInventoryFeed } from "../../controller/inventory/feed.js";
import { TagCache } from "../../controller/inventory/tags.js";
import { RestClient } from "../../vsphere/rest/client.js";
import { createCategory, createTag } from "../../vsphere/rest/tagging.js";
import { attachTag } from "../../vsphere/rest/tag-association.js";

const run = promisify(execFile);

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("inventory feed", () => {
  let v: Vcsim;
  let dir: string;
  let session: VsphereSession;
  let store: InventoryStore;
  const ac = new AbortController();
  let feed: Promise<void>;
  const govc = async (...args: string[]) => {
    const env = { ...process.env, ...engines().env, GOVC_URL: v.url };
    return (await run("govc", args, { env })).stdout;
  };

  beforeAll(async () => {
    dir = engines().dir;
    v = await startVcsim(dir, await enginesPki(), {
      name: "vcsim-feed",
      datacenters: 2,
      clustersPerDatacenter: 1,
      hostsPerCluster: 2,
      vmsPerPool: 3,
    });
    session = await sessionFor(v, { attempts: 1 });
    store = new InventoryStore(["vc1"]);
    feed = runInventoryFeed(session, "vc1", store, { signal: ac.signal, maxWaitSeconds: 5, maxBackoffMs: 500 });
  });
  afterAll(async () => {
    ac.abort();
    await feed;
    await session.close();
    await stopVcsim(dir, "vcsim-feed");
  });

  it("loads the full inventory, matching govc", async () => {
    await until("initial sync", () => store.synced);
    const govcVms = (await govc("find", "/", "-type", "m")).trim().split("\n").filter(Boolean);
    expect(store.allVms().length).toBe(govcVms.length);
    const vm = store.allVms().find((x) => x.name === "DC1_C0_RP0_VM0");
    expect(vm?.datacenter).toBe("DC1");
    const info = JSON.parse(await govc("vm.info", "-json", "/DC1/vm/DC1_C0_RP0_VM0")) as {
      virtualMachines: { config: { uuid: string } }[];
    };
    expect(vm?.uuid).toBe(info.virtualMachines[0].config.uuid);
    expect(store.vmByUuid(vm?.uuid ?? "").map((x) => x.name)).toEqual(["DC1_C0_RP0_VM0"]);
    expect(store.object("vc1", vm?.host ?? { type: "", value: "" })?.ref.type).toBe("HostSystem");
  });

  it("follows a power-off made by another client, without polling", async () => {
    await until("initial sync", () => store.synced);
    const calls = session.stats.snapshot();
    await govc("vm.power", "-off", "/DC0/vm/DC0_C0_RP0_VM1");
    await until(
      "power-off seen",
      () => store.allVms().find((x) => x.name === "DC0_C0_RP0_VM1")?.powerState === "poweredOff",
    );
    const after = session.stats.snapshot();
    // Only WaitForUpdatesEx long polls were issued: no reads, no searches.
    const newCalls = Object.entries(after)
      .filter(([k, s]) => s.calls !== (calls[k]?.calls ?? 0))
      .map(([k]) => k);
    expect(newCalls).toEqual(["soap:WaitForUpdatesEx"]);
  });

  it("watches guestinfo.metadata by key: its changes arrive decoded, other extraConfig writes never reach the feed", async () => {
    await until("initial sync", () => store.synced);
    const path = "/DC0/vm/DC0_C0_RP0_VM0";
    const held = () => store.allVms().find((x) => x.name === "DC0_C0_RP0_VM0");
    const batches: string[] = [];
    store.onVmChange = (changed) => batches.push(...changed.map((v) => v.name));
    const calls = session.stats.snapshot();
    // What VMware Tools does on a busy VM: rewrite a large guestinfo key, again and again.
    for (let i = 0; i < 3; i++)
      await govc("vm.change", "-vm", path, "-e", `guestinfo.appInfo=${String(i).repeat(30_000)}`);
    // Positive control, after the churn in the same feed: a metadata write is delivered.
    const meta = Buffer.from("instance-id: a\n").toString("base64");
    await govc(
      "vm.change",
      "-vm",
      path,
      "-e",
      `guestinfo.metadata=${meta}`,
      "-e",
      "guestinfo.metadata.encoding=base64",
    );
    await until("metadata seen", () => held()?.guestinfoMetadata === meta);
    expect(held()?.guestinfoMetadataEncoding).toBe("base64");
    // Exactly one VM change: the metadata write. The three appInfo writes produced none.
    expect(batches).toEqual(["DC0_C0_RP0_VM0"]);
    const after = session.stats.snapshot();
    const newCalls = Object.entries(after)
      .filter(([k, s]) => s.calls !== (calls[k]?.calls ?? 0))
      .map(([k]) => k);
    expect(newCalls).toEqual(["soap:WaitForUpdatesEx"]);
    expect(JSON.stringify(held())).not.toContain("000000");
    // Removing the key (an empty value) clears it; the encoding stays.
    await govc("vm.change", "-vm", path, "-e", "guestinfo.metadata=");
    await until("metadata removed", () => held()?.guestinfoMetadata === undefined);
    expect(held()?.guestinfoMetadataEncoding).toBe("base64");
    store.onVmChange = () => {};
  });

  it("reads tags of parent objects in one batched call, with names cached", async () => {
    await until("initial sync", () => store.synced);
    const rest = RestClient.create({
      host: v.host,
      port: v.port,
      tls: { caFile: v.caFile },
      credentials: () => ({ username: v.username, password: v.password }),
    });
    const zone = await createCategory(rest, { name: "k8s-zone", cardinality: "SINGLE", associableTypes: [] });
    const zoneA = await createTag(rest, { categoryId: zone, name: "zone-a" });
    const host = store.objectsOfType("vc1", ["HostSystem"])[0];
    const cluster = store.objectsOfType("vc1", ["ClusterComputeResource"])[0];
    await attachTag(rest, zoneA, host.ref);
    await attachTag(rest, zoneA, cluster.ref);
    const cache = new TagCache("vc1", rest, store);
    let changes = 0;
    cache.onChange = () => changes++;
    rest.stats.reset();
    await cache.refresh();
    expect(store.tagsOf("vc1", host.ref)).toEqual([{ category: "k8s-zone", name: "zone-a" }]);
    expect(store.tagsOf("vc1", cluster.ref)).toEqual([{ category: "k8s-zone", name: "zone-a" }]);
    const dc = store.objectsOfType("vc1", ["Datacenter"])[0];
    expect(store.tagsOf("vc1", dc.ref)).toEqual([]);
    // 1 batched list + 1 tag + 1 category; then each refresh is the batched list alone.
    expect(rest.stats.total()).toBe(3);
    expect(changes).toBe(1); // the first read: every object's tags are new
    await cache.refresh();
    expect(rest.stats.total()).toBe(4);
    // Nothing changed in vCenter: nothing to report (pending Nodes are not planned again).
    expect(changes).toBe(1);
    // A tag attached by another client: the next refresh reports it.
    await attachTag(rest, zoneA, dc.ref);
    await cache.refresh();
    expect(store.tagsOf("vc1", dc.ref)).toEqual([{ category: "k8s-zone", name: "zone-a" }]);
    expect(changes).toBe(2);

    // A failing read (refused login) is reported once and kept as the vCenter's tag error; the
    // tags already read stay. The next good read clears it and reports the recovery.
    const refused = RestClient.create({
      host: v.host,
      port: v.port,
      tls: { caFile: v.caFile },
      credentials: () => ({ username: v.username, password: "not-the-password" }),
    });
    const failing = new TagCache("vc1", refused, store);
    let failures = 0;
    failing.onChange = () => failures++;
    await expect(failing.refresh()).rejects.toThrow();
    await expect(failing.refresh()).rejects.toThrow();
    expect(failures).toBe(1);
    expect(store.tagError("vc1")).toMatch(/401|Unauthorized|Unauthenticated|login/i);
    expect(store.tagError("vc1")).not.toContain("not-the-password");
    expect(store.tagsOf("vc1", host.ref)).toEqual([{ category: "k8s-zone", name: "zone-a" }]);
    await cache.refresh();
    expect(store.tagError("vc1")).toBeUndefined();
    expect(changes).toBe(3);
    await refused.close();
    await rest.close();
  });

  it("is unhealthy while vCenter is down and re-syncs after it returns", async () => {
    await until("initial sync", () => store.synced);
    await stopVcsim(dir, "vcsim-feed");
    await until("unhealthy", () => !store.synced && store.unhealthy().length === 1, 30_000);
    expect(store.unhealthy()[0].reason).toMatch(/TransportError/);
    // The inventory is kept, not emptied, while vCenter is away.
    expect(store.allVms().length).toBeGreaterThan(0);
    await restartVcsim(dir, await enginesPki(), v);
    await until("re-synced", () => store.synced, 30_000);
    expect(store.allVms().find((x) => x.name === "DC0_C0_RP0_VM1")?.powerState).toBe("poweredOn"); // a fresh simulator
  });
});
