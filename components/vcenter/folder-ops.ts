// Folder: one VM folder under a datacenter's vm folder, at `path` ("kubernetes/ccm"). One
// resource makes one folder; its parent must exist (the vm folder itself, or another Folder the
// program makes first). A new last name renames in place; a new parent or datacenter replaces.
// Delete refuses a folder that is not empty: what is in it was not made by this resource.
import { DuplicateNameFault, ManagedObjectNotFoundFault, NotFoundError } from "../../vsphere/errors.js";
import { childEntities, createFolder, datacenterFolders, destroyFolder, renameFolder } from "../../vsphere/folder.js";
import { findByInventoryPath, inventoryPath } from "../../vsphere/inventory-path.js";
import type { VsphereSession } from "../../vsphere/session.js";
import { moRef, type MoRef } from "../../vsphere/types.js";
import { providerHandlers, type OpContext, type ResourceOps } from "./handlers.js";
import { decide, Problems, sameValue, UNKNOWN, type CheckResult, type DiffDecision } from "./inputs.js";

export interface FolderInputs {
  /** Datacenter name ("DC0") or inventory path ("/DC0", "/dcs/DC0"). */
  datacenter: string;
  /** Folder path under the datacenter's vm folder, "/"-separated, e.g. "kubernetes/ccm". */
  path: string;
}

export interface FolderOutputs extends FolderInputs {
  /** "/DC0/vm/kubernetes/ccm". */
  inventoryPath: string;
  /** The folder's managed object id ("group-v42"), also the resource id. */
  moid: string;
}

/** vCenter's limit for an inventory object's name. */
const MAX_NAME = 80;

export function checkFolder(news: Record<string, unknown>): CheckResult<FolderInputs> {
  const p = new Problems();
  const datacenter = p.string(news, "datacenter", 'the datacenter\'s name or inventory path, e.g. "DC0"');
  const path = p.string(news, "path", "the folder's path under the datacenter's vm folder, e.g. \"kubernetes\"");
  if (path && path !== UNKNOWN) {
    if (path.startsWith("/") || path.endsWith("/"))
      p.add(
        "path",
        `${JSON.stringify(path)}: give the path relative to the vm folder, without leading or trailing "/"`,
      );
    else if (path.includes("//"))
      p.add("path", `${JSON.stringify(path)} has an empty folder name; remove the doubled "/"`);
    for (const name of path.split("/")) {
      if (name.length > MAX_NAME)
        p.add("path", `folder name ${JSON.stringify(name)} is longer than vCenter's ${MAX_NAME} characters`);
      if (/[%\\]/.test(name))
        p.add("path", `folder name ${JSON.stringify(name)}: "%" and "\\" are not supported in folder names`);
    }
  }
  return p.result({ datacenter, path });
}

/** "/DC0" for "DC0" or "/DC0"; trailing "/" removed. */
export const datacenterPath = (dc: string): string => `/${dc.replace(/^\/+|\/+$/g, "")}`;

/** Parent path and last name of "a/b/c": ["a/b", "c"]; ["", "a"] for "a". */
export function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf("/");
  return i < 0 ? ["", path] : [path.slice(0, i), path.slice(i + 1)];
}

/** The inventory path of the folder at `path` under `datacenter`'s vm folder. */
export const folderInventoryPath = (datacenter: string, path: string): string =>
  `${datacenterPath(datacenter)}/vm${path ? `/${path}` : ""}`;

/** `full` relative to the datacenter's vm folder, or `full` itself when it is elsewhere. */
export function relativeToVmFolder(datacenter: string, full: string): string {
  const prefix = `${folderInventoryPath(datacenter, "")}/`;
  return full.startsWith(prefix) ? full.slice(prefix.length) : full;
}

export function diffFolder(olds: FolderOutputs, news: FolderInputs): DiffDecision {
  const changed: string[] = [];
  const replace: string[] = ["datacenter"];
  if (
    !sameValue(
      datacenterPath(olds.datacenter ?? ""),
      news.datacenter === UNKNOWN ? UNKNOWN : datacenterPath(news.datacenter),
    )
  )
    changed.push("datacenter");
  if (!sameValue(olds.path, news.path)) {
    changed.push("path");
    // Rename in place only when the parent stays; a move would need MoveIntoFolder.
    if (news.path === UNKNOWN || splitPath(olds.path ?? "")[0] !== splitPath(news.path)[0]) replace.push("path");
  }
  return decide(changed, replace);
}

async function parentFolder(session: VsphereSession, inputs: FolderInputs, signal: AbortSignal): Promise<MoRef> {
  const dcPath = datacenterPath(inputs.datacenter);
  let dc: MoRef;
  try {
    dc = await findByInventoryPath(session, dcPath, { type: "Datacenter", signal });
  } catch (err) {
    if (err instanceof NotFoundError) throw new Error(`datacenter ${JSON.stringify(dcPath)} not found`, { cause: err });
    throw err;
  }
  const [parent] = splitPath(inputs.path);
  if (!parent) return (await datacenterFolders(session, dc, signal)).vmFolder;
  const parentPath = folderInventoryPath(inputs.datacenter, parent);
  try {
    return await findByInventoryPath(session, parentPath, { type: "Folder", signal });
  } catch (err) {
    if (err instanceof NotFoundError)
      throw new Error(
        `parent folder ${JSON.stringify(parentPath)} does not exist; create it first (e.g. another Folder ` +
          "resource, with this one's path built from its output so it is made before)",
        { cause: err },
      );
    throw err;
  }
}

async function createFolderOp(
  { vc, signal }: OpContext,
  inputs: FolderInputs,
): Promise<{ id: string; outs: FolderOutputs }> {
  const session = await vc.soap(signal);
  const parent = await parentFolder(session, inputs, signal);
  const full = folderInventoryPath(inputs.datacenter, inputs.path);
  let folder: MoRef;
  try {
    folder = await createFolder(session, parent, splitPath(inputs.path)[1], signal);
  } catch (err) {
    if (err instanceof DuplicateNameFault)
      throw new Error(`${JSON.stringify(full)} already exists; choose another path or remove it`, { cause: err });
    throw err;
  }
  return { id: folder.value, outs: { ...inputs, inventoryPath: full, moid: folder.value } };
}

async function readFolder({ vc, signal }: OpContext, id: string, props: FolderOutputs) {
  const session = await vc.soap(signal);
  try {
    const full = await inventoryPath(session, moRef("Folder", id), signal);
    return { ...props, path: relativeToVmFolder(props.datacenter, full), inventoryPath: full, moid: id };
  } catch (err) {
    if (err instanceof ManagedObjectNotFoundFault) return undefined;
    throw err;
  }
}

async function updateFolder({ vc, signal }: OpContext, id: string, olds: FolderOutputs, news: FolderInputs) {
  const session = await vc.soap(signal);
  const newName = splitPath(news.path)[1];
  if (splitPath(olds.path)[1] !== newName) await renameFolder(session, moRef("Folder", id), newName, { signal });
  return { ...news, inventoryPath: folderInventoryPath(news.datacenter, news.path), moid: id };
}

async function deleteFolder({ vc, signal }: OpContext, id: string, props: FolderOutputs): Promise<void> {
  const session = await vc.soap(signal);
  const ref = moRef("Folder", id);
  let children: MoRef[];
  try {
    children = await childEntities(session, ref, signal);
  } catch (err) {
    if (err instanceof ManagedObjectNotFoundFault) return; // already gone
    throw err;
  }
  if (children.length > 0) {
    throw new Error(
      `folder ${JSON.stringify(props.inventoryPath)} is not empty (${children.length} ` +
        `${children.length === 1 ? "child" : "children"}); move or delete what is in it, then destroy again`,
    );
  }
  await destroyFolder(session, ref, { signal });
}

export const folderOps: ResourceOps<FolderInputs, FolderOutputs> = {
  check: checkFolder,
  diff: diffFolder,
  create: createFolderOp,
  read: readFolder,
  update: updateFolder,
  delete: deleteFolder,
};

/** What the Folder's dynamic provider calls (provider.ts imports this module by package name). */
export const handlers = providerHandlers(folderOps);
