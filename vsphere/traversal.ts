// One-call reads along a reference property: an object's parent chain (ManagedEntity.parent,
// followed recursively) or a folder's children (Folder.childEntity). property.ts reads one object
// or a container view; walking a chain with it costs one call per hop, this costs one call (plus
// one per page when vCenter pages the answer).
import { retrieveProperties, type ObjectContent } from "./property.js";
import type { VsphereSession } from "./session.js";
import type { MoRef } from "./types.js";

export interface TraversalRead {
  /** Where to start. */
  from: MoRef;
  /** Managed object type that owns `path` (e.g. "ManagedEntity", "Folder"). */
  type: string;
  /** Reference property to follow (e.g. "parent", "childEntity"). */
  path: string;
  /** Follow `path` again from every object reached (the whole parent chain). */
  recursive: boolean;
  /** Leave `from` itself out of the answer. */
  skipStart: boolean;
  /** Properties to read from every object, by type ("ManagedEntity" covers all entities). */
  props: { type: string; pathSet: string[] }[];
  signal?: AbortSignal;
}

/** Reads `props` of the objects reached from `from` along `path`; order is the server's. */
export function retrieveAlong(session: VsphereSession, read: TraversalRead): Promise<ObjectContent[]> {
  const { from, type, path, recursive, skipStart } = read;
  return retrieveProperties(
    session,
    { props: read.props, source: { along: { from, type, path, recursive, skipStart } } },
    { signal: read.signal },
  );
}
