// Tags on inventory objects (com.vmware.cis.tagging.TagAssociation). Objects are MoRefs; on the
// wire they are DynamicIDs {"type", "id"}.
//
// The controller reads the tags of many ancestors at once: `listAttachedTagsOnObjects` is one
// call however many objects it is given, never one per object.
import { moKey, type MoRef } from "../types.js";
import type { RestClient } from "./client.js";
import { decodeAttachedTags, decodeObjectIds } from "./decode.js";
import type { AttachedTags } from "./types.js";

/**
 * Attaches tag `tagId` to `object`; attaching twice is no error. vCenter refuses a type outside
 * the category's associable types and a second tag of a SINGLE category; vcsim checks neither.
 */
export async function attachTag(client: RestClient, tagId: string, object: MoRef, signal?: AbortSignal): Promise<void> {
  await client.call({ op: "attachTag", tagId, object }, { signal });
}

/** Detaches tag `tagId` from `object`; detaching a tag that is not attached is no error. */
export async function detachTag(client: RestClient, tagId: string, object: MoRef, signal?: AbortSignal): Promise<void> {
  await client.call({ op: "detachTag", tagId, object }, { signal });
}

/** The objects tag `tagId` is attached to: one call; RestError (notFound) for an unknown tag. */
export async function listAttachedObjects(client: RestClient, tagId: string, signal?: AbortSignal): Promise<MoRef[]> {
  const objects = await client.call({ op: "listAttachedObjects", tagId }, { signal });
  return decodeObjectIds("POST tagging/tag-association/{id}?~action=list-attached-objects", objects);
}

/**
 * The tag ids on each of `objects`, in one call (no call for an empty list). The answer has one
 * entry per distinct object, in the order given; an object without tags has an empty list.
 */
export async function listAttachedTagsOnObjects(
  client: RestClient,
  objects: readonly MoRef[],
  signal?: AbortSignal,
): Promise<AttachedTags[]> {
  const distinct = [...new Map(objects.map((o) => [moKey(o), { type: o.type, value: o.value }])).values()];
  if (distinct.length === 0) return [];
  const res = await client.call({ op: "listAttachedTagsOnObjects", objects: distinct }, { signal });
  return decodeAttachedTags("POST tagging/tag-association?~action=list-attached-tags-on-objects", res, distinct);
}
