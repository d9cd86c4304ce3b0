// Inventory paths ("/DC0/vm/k8s/node-1") to managed object references and back.
// A path is the names from the root folder down, without the root folder's own name; names are
// as vCenter stores them (a "/" inside a name is %2f), so joining them needs no escaping.
import { NotFoundError } from "./errors.js";
import { asMoRef, asString } from "./soap/codec.js";
import type { VsphereSession } from "./session.js";
import { retrieveAlong } from "./traversal.js";
import { moKey, type MoRef } from "./types.js";

export interface FindByPathOptions {
  /** Expected managed object type ("Folder", "Datacenter", ...): another type counts as not found. */
  type?: string;
  signal?: AbortSignal;
}

/**
 * The object at `path` (SearchIndex.FindByInventoryPath: one call); NotFoundError (kind: the
 * expected type, or "inventory object") when nothing, or something of another type, is there.
 */
export async function findByInventoryPath(
  session: VsphereSession,
  path: string,
  opts: FindByPathOptions = {},
): Promise<MoRef> {
  const res = await session.call(
    "FindByInventoryPath",
    session.serviceContent.searchIndex,
    { inventoryPath: path },
    { signal: opts.signal },
  );
  const ref = asMoRef(res);
  if (!ref || (opts.type !== undefined && ref.type !== opts.type)) {
    throw new NotFoundError(opts.type ?? "inventory object", path);
  }
  return ref;
}

/**
 * The inventory path of `ref` ("/" for the root folder), from its parent chain read in one call
 * (a recursive traversal of ManagedEntity.parent). ManagedObjectNotFoundFault for a deleted object.
 */
export async function inventoryPath(session: VsphereSession, ref: MoRef, signal?: AbortSignal): Promise<string> {
  const chain = await retrieveAlong(session, {
    from: ref,
    type: "ManagedEntity",
    path: "parent",
    recursive: true,
    skipStart: false,
    props: [{ type: "ManagedEntity", pathSet: ["name", "parent"] }],
    signal,
  });
  const byKey = new Map(chain.map((c) => [moKey(c.obj), c.props]));
  const names: string[] = [];
  let cur: MoRef | undefined = ref;
  while (cur) {
    const props = byKey.get(moKey(cur));
    if (!props) throw new Error(`inventory path of ${moKey(ref)}: ${moKey(cur)} missing from its parent chain`);
    const parent = asMoRef(props.parent);
    if (!parent) break; // the root folder: its name is not part of paths
    names.push(asString(props.name) ?? "");
    if (names.length > 256) throw new Error(`inventory path of ${moKey(ref)}: parent chain does not end`);
    cur = parent;
  }
  return "/" + names.reverse().join("/");
}
