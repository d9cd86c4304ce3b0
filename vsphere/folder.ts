// Inventory folders: create, rename, destroy, list children; a datacenter's root folders.
// Names are stored escaped by vCenter ("/" as %2f, "\" as %5c, "%" as %25), which is also how
// they appear in inventory paths.
import { objectProperties } from "./property.js";
import { asArray, asMoRef, asString } from "./soap/codec.js";
import type { VsphereSession } from "./session.js";
import { waitForTask, type WaitForTaskOptions } from "./task.js";
import { retrieveAlong } from "./traversal.js";
import type { MoRef } from "./types.js";

export type TaskCallOptions = Pick<WaitForTaskOptions, "signal" | "timeoutMs">;

export interface NamedRef {
  ref: MoRef;
  name: string;
}

/** The four root folders every datacenter has. */
export interface DatacenterFolders {
  vmFolder: MoRef;
  hostFolder: MoRef;
  datastoreFolder: MoRef;
  networkFolder: MoRef;
}

/**
 * Creates folder `name` in `parent` (a Folder) and returns it. DuplicateNameFault (detail.object:
 * the existing child) when `parent` already has a child of that name, whatever its type.
 */
export async function createFolder(
  session: VsphereSession,
  parent: MoRef,
  name: string,
  signal?: AbortSignal,
): Promise<MoRef> {
  const ref = asMoRef(await session.call("CreateFolder", parent, { name }, { signal }));
  if (!ref) throw new Error(`CreateFolder ${JSON.stringify(name)}: no folder in the answer`);
  return ref;
}

/**
 * Renames a folder (Rename_Task, waited for). A sibling with the new name fails the task:
 * DuplicateNameFault on vCenter, InvalidArgumentFault (invalidProperty "name") on vcsim.
 */
export async function renameFolder(
  session: VsphereSession,
  folder: MoRef,
  newName: string,
  opts: TaskCallOptions = {},
): Promise<void> {
  const task = asMoRef(await session.call("Rename_Task", folder, { newName }, { signal: opts.signal }));
  if (!task) throw new Error(`Rename_Task on ${folder.value}: no task in the answer`);
  await waitForTask(session, task, { ...opts, method: "Rename_Task" });
}

/**
 * Destroys a folder and everything in it (Destroy_Task, waited for); fails with the first child's
 * fault, e.g. a powered-on VM.
 */
export async function destroyFolder(session: VsphereSession, folder: MoRef, opts: TaskCallOptions = {}): Promise<void> {
  const task = asMoRef(await session.call("Destroy_Task", folder, {}, { signal: opts.signal }));
  if (!task) throw new Error(`Destroy_Task on ${folder.value}: no task in the answer`);
  await waitForTask(session, task, { ...opts, method: "Destroy_Task" });
}

/** The direct children of a folder (Folder.childEntity): one call. */
export async function childEntities(session: VsphereSession, folder: MoRef, signal?: AbortSignal): Promise<MoRef[]> {
  const props = await objectProperties(session, folder, ["childEntity"], signal);
  return asArray(props.childEntity)
    .map((c) => asMoRef(c))
    .filter((c): c is MoRef => !!c);
}

/** The direct children of a folder with their names: one call, however many children. */
export async function listChildren(session: VsphereSession, folder: MoRef, signal?: AbortSignal): Promise<NamedRef[]> {
  const found = await retrieveAlong(session, {
    from: folder,
    type: "Folder",
    path: "childEntity",
    recursive: false,
    skipStart: true,
    props: [{ type: "ManagedEntity", pathSet: ["name"] }],
    signal,
  });
  return found.map((c) => ({ ref: c.obj, name: asString(c.props.name) ?? "" }));
}

/** A datacenter's vm, host, datastore and network folders: one call. */
export async function datacenterFolders(
  session: VsphereSession,
  datacenter: MoRef,
  signal?: AbortSignal,
): Promise<DatacenterFolders> {
  const paths = ["vmFolder", "hostFolder", "datastoreFolder", "networkFolder"] as const;
  const props = await objectProperties(session, datacenter, [...paths], signal);
  const folder = (key: (typeof paths)[number]): MoRef => {
    const ref = asMoRef(props[key]);
    if (!ref) throw new Error(`datacenter ${datacenter.value} has no ${key}`);
    return ref;
  };
  return {
    vmFolder: folder("vmFolder"),
    hostFolder: folder("hostFolder"),
    datastoreFolder: folder("datastoreFolder"),
    networkFolder: folder("networkFolder"),
  };
}
