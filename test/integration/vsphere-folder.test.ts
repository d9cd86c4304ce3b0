// Folders, inventory paths and task waiting against vcsim, cross-checked with govc.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, vcsimSession } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { DuplicateNameFault, NotFoundError, TransportError, VimFault } from "../../vsphere/errors.js";
import {
  childEntities,
  createFolder,
  datacenterFolders,
  destroyFolder,
  listChildren,
  renameFolder,
} from "../../vsphere/folder.js";
import { findByInventoryPath, inventoryPath } from "../../vsphere/inventory-path.js";
import { VsphereSession } from "../../vsphere/session.js";
import { waitForTask } from "../../vsphere/task.js";
import type { MoRef } from "../../vsphere/types.js";

const PREFIX = `k8s-folder-${process.pid}`;

describe("vSphere folders and inventory paths", () => {
  let s: VsphereSession;
  let govc: Govc;
  let vmFolder: MoRef;
  const made: string[] = [];

  /** Child paths of a folder as govc lists them. */
  const govcLs = async (path: string) =>
    (await govc("ls", path))
      .split("\n")
      .filter((l) => l !== "")
      .sort();
  /** The MoRef govc resolves a path to ("Folder:group-7"). */
  const govcRef = async (path: string): Promise<MoRef> => {
    const [type, value] = (await govc("find", "-i", "-maxdepth", "0", path)).trim().split(":");
    return { type, value };
  };
  const calls = (method: string) => s.stats.snapshot()[`soap:${method}`]?.calls ?? 0;

  beforeAll(async () => {
    const { vcsim, env } = engines();
    govc = govcFor(env);
    s = await vcsimSession(vcsim);
    vmFolder = await findByInventoryPath(s, "/DC0/vm", { type: "Folder" });
  });

  afterAll(async () => {
    for (const path of made.reverse()) await govc?.("object.destroy", path).catch(() => {});
    await s?.close();
  });

  it("finds the datacenter's folders, as govc does", async () => {
    const dc = await findByInventoryPath(s, "/DC0", { type: "Datacenter" });
    expect(dc).toEqual(await govcRef("/DC0"));
    const folders = await datacenterFolders(s, dc);
    expect(folders.vmFolder).toEqual(await govcRef("/DC0/vm"));
    expect(folders.hostFolder).toEqual(await govcRef("/DC0/host"));
    expect(folders.datastoreFolder).toEqual(await govcRef("/DC0/datastore"));
    expect(folders.networkFolder).toEqual(await govcRef("/DC0/network"));
    expect(folders.vmFolder).toEqual(vmFolder);
  });

  it("turns paths into refs and refs into paths, for folders, datacenters, VMs and the root", async () => {
    const [vmPath] = await govcLs("/DC0/vm");
    const vm = await findByInventoryPath(s, vmPath, { type: "VirtualMachine" });
    expect(vm).toEqual(await govcRef(vmPath));
    const before = calls("RetrievePropertiesEx");
    expect(await inventoryPath(s, vm)).toBe(vmPath);
    expect(calls("RetrievePropertiesEx") - before).toBe(1); // the whole parent chain in one read
    expect(await inventoryPath(s, vmFolder)).toBe("/DC0/vm");
    expect(await inventoryPath(s, await findByInventoryPath(s, "/DC0"))).toBe("/DC0");
    expect(await inventoryPath(s, s.serviceContent.rootFolder)).toBe("/");
    expect(await findByInventoryPath(s, "/")).toEqual(s.serviceContent.rootFolder);
  });

  it("throws NotFoundError for a missing path and for an object of another type", async () => {
    const missing = await findByInventoryPath(s, `/DC0/vm/${PREFIX}-missing`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).path).toBe(`/DC0/vm/${PREFIX}-missing`);
    const wrongType = await findByInventoryPath(s, "/DC0", { type: "Folder" }).catch((e: unknown) => e);
    expect(wrongType).toBeInstanceOf(NotFoundError);
    expect((wrongType as NotFoundError).kind).toBe("Folder");
  });

  it("creates nested folders that govc sees at the paths we compute", async () => {
    const top = await createFolder(s, vmFolder, PREFIX);
    made.push(`/DC0/vm/${PREFIX}`);
    const inner = await createFolder(s, top, "inner");
    made.push(`/DC0/vm/${PREFIX}/inner`);

    expect(await govcLs("/DC0/vm")).toContain(`/DC0/vm/${PREFIX}`);
    expect(await govcLs(`/DC0/vm/${PREFIX}`)).toEqual([`/DC0/vm/${PREFIX}/inner`]);
    expect(await govcRef(`/DC0/vm/${PREFIX}/inner`)).toEqual(inner);
    expect(await inventoryPath(s, inner)).toBe(`/DC0/vm/${PREFIX}/inner`);
    expect(await findByInventoryPath(s, `/DC0/vm/${PREFIX}/inner`, { type: "Folder" })).toEqual(inner);
    expect(await childEntities(s, top)).toEqual([inner]);
    expect(await listChildren(s, top)).toEqual([{ ref: inner, name: "inner" }]);

    const all = await listChildren(s, vmFolder);
    const govcChildren = await govcLs("/DC0/vm");
    expect(all.map((c) => `/DC0/vm/${c.name}`).sort()).toEqual(govcChildren);
    expect(all.map((c) => c.ref).sort((a, b) => a.value.localeCompare(b.value))).toEqual(
      (await childEntities(s, vmFolder)).sort((a, b) => a.value.localeCompare(b.value)),
    );
  });

  it("rejects a duplicate name with a typed DuplicateName fault", async () => {
    const name = `${PREFIX}-dup`;
    const first = await createFolder(s, vmFolder, name);
    made.push(`/DC0/vm/${name}`);
    const err = await createFolder(s, vmFolder, name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateNameFault);
    expect((err as DuplicateNameFault).detail.object).toEqual(first);
    expect((await govcLs("/DC0/vm")).filter((p) => p === `/DC0/vm/${name}`)).toHaveLength(1);
  });

  it("renames a folder through its task, in one read of the task when it is quick", async () => {
    const ref = await createFolder(s, vmFolder, `${PREFIX}-old`);
    made.push(`/DC0/vm/${PREFIX}-new`, `/DC0/vm/${PREFIX}-old`);
    const before = calls("RetrievePropertiesEx");
    await renameFolder(s, ref, `${PREFIX}-new`);
    // vcsim's tasks end before the first read; vCenter's quick ones take up to five reads.
    expect(calls("RetrievePropertiesEx") - before).toBeGreaterThanOrEqual(1);
    expect(calls("RetrievePropertiesEx") - before).toBeLessThanOrEqual(5);
    const listed = await govcLs("/DC0/vm");
    expect(listed).toContain(`/DC0/vm/${PREFIX}-new`);
    expect(listed).not.toContain(`/DC0/vm/${PREFIX}-old`);
    expect(await inventoryPath(s, ref)).toBe(`/DC0/vm/${PREFIX}-new`);
  });

  it("turns a failed task into the typed fault of its LocalizedMethodFault", async () => {
    const a = await createFolder(s, vmFolder, `${PREFIX}-a`);
    made.push(`/DC0/vm/${PREFIX}-a`);
    await createFolder(s, vmFolder, `${PREFIX}-b`);
    made.push(`/DC0/vm/${PREFIX}-b`);
    const err = await renameFolder(s, a, `${PREFIX}-b`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VimFault);
    // vCenter: DuplicateName; vcsim: InvalidArgument (invalidProperty "name").
    expect(["DuplicateName", "InvalidArgument"]).toContain((err as VimFault).fault);
    expect((err as VimFault).method).toBe("Rename_Task");
    expect(await inventoryPath(s, a)).toBe(`/DC0/vm/${PREFIX}-a`);
  });

  it("waits through a property filter when polling is skipped, and cleans the filter up", async () => {
    const ref = await createFolder(s, vmFolder, `${PREFIX}-watched`);
    made.push(`/DC0/vm/${PREFIX}-watched2`, `/DC0/vm/${PREFIX}-watched`);
    const task = (await s.call("Rename_Task", ref, { newName: `${PREFIX}-watched2` })) as MoRef;
    const [created, destroyed] = [calls("CreatePropertyCollector"), calls("DestroyPropertyCollector")];
    expect(await waitForTask(s, task, { pollScheduleMs: [], method: "Rename_Task" })).toBeNull();
    expect(calls("CreatePropertyCollector") - created).toBe(1);
    expect(calls("DestroyPropertyCollector") - destroyed).toBe(1);
    expect(await govcLs("/DC0/vm")).toContain(`/DC0/vm/${PREFIX}-watched2`);
  });

  it("stops waiting when the caller's signal is already aborted", async () => {
    const ref = await createFolder(s, vmFolder, `${PREFIX}-abort`);
    made.push(`/DC0/vm/${PREFIX}-abort`);
    const task = (await s.call("Rename_Task", ref, { newName: `${PREFIX}-abort` })) as MoRef;
    const err = await waitForTask(s, task, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).reason).toBe("aborted");
  });

  it("destroys a folder with its contents", async () => {
    const ref = await createFolder(s, vmFolder, `${PREFIX}-gone`);
    made.push(`/DC0/vm/${PREFIX}-gone`);
    await createFolder(s, ref, "inside");
    await destroyFolder(s, ref);
    expect(await govcLs("/DC0/vm")).not.toContain(`/DC0/vm/${PREFIX}-gone`);
    await expect(findByInventoryPath(s, `/DC0/vm/${PREFIX}-gone/inside`)).rejects.toBeInstanceOf(NotFoundError);
  });
});
