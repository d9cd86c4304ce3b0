// TagAttachment: tag `tagId` attached to the inventory object at `object`. Nothing about an
// attachment changes in place: another tag or object replaces it. An attachment that exists
// before the resource is an error unless `adopt` is set; an adopted one is left attached on
// delete, so a destroy detaches only what the stack attached.
import { NotFoundError, RestError } from "../../vsphere/errors.js";
import { findByInventoryPath } from "../../vsphere/inventory-path.js";
import {
  attachTag,
  detachTag,
  listAttachedObjects,
  listAttachedTagsOnObjects,
} from "../../vsphere/rest/tag-association.js";
import { moRef, sameMoRef, type MoRef } from "../../vsphere/types.js";
import { providerHandlers, type OpContext, type ResourceOps } from "./handlers.js";
import { decide, Problems, sameValue, UNKNOWN, type CheckResult, type DiffDecision } from "./inputs.js";

export interface TagAttachmentInputs {
  tagId: string;
  /** Inventory path of the object, e.g. "/DC0" or "/DC0/host/DC0_C0". */
  object: string;
  adopt: boolean;
}

export interface TagAttachmentOutputs extends TagAttachmentInputs {
  objectType: string;
  objectMoid: string;
  /** The tag was attached already and is left attached on delete. */
  adopted: boolean;
}

export function checkTagAttachment(news: Record<string, unknown>): CheckResult<TagAttachmentInputs> {
  const p = new Problems();
  const tagId = p.string(news, "tagId", "the id of a tag, e.g. a Tag resource's id");
  const object = p.string(news, "object", 'the inventory path of the object, e.g. "/DC0"');
  if (object && object !== UNKNOWN && !object.startsWith("/"))
    p.add("object", `${JSON.stringify(object)} is not an inventory path; start it with "/", e.g. "/DC0"`);
  return p.result({ tagId, object: object.replace(/(.)\/+$/, "$1"), adopt: p.boolean(news, "adopt", false) });
}

export function diffTagAttachment(olds: TagAttachmentOutputs, news: TagAttachmentInputs): DiffDecision {
  const changed: string[] = [];
  if (!sameValue(olds.tagId, news.tagId)) changed.push("tagId");
  if (!sameValue(olds.object, news.object)) changed.push("object");
  if (!sameValue(olds.adopt, news.adopt)) changed.push("adopt");
  return decide(changed, ["tagId", "object"]);
}

export const attachmentId = (tagId: string, object: MoRef): string => `${tagId}/${object.type}:${object.value}`;

const isRestNotFound = (err: unknown) => err instanceof RestError && err.notFound;

async function createAttachment({ vc, signal }: OpContext, inputs: TagAttachmentInputs) {
  const session = await vc.soap(signal);
  let object: MoRef;
  try {
    object = await findByInventoryPath(session, inputs.object, { signal });
  } catch (err) {
    if (err instanceof NotFoundError)
      throw new Error(`object ${JSON.stringify(inputs.object)} not found in vCenter's inventory`, { cause: err });
    throw err;
  }
  const rest = vc.rest();
  const [onObject] = await listAttachedTagsOnObjects(rest, [object], signal);
  const attached = onObject?.tagIds.includes(inputs.tagId) ?? false;
  if (attached && !inputs.adopt)
    throw new Error(
      `tag ${inputs.tagId} is already attached to ${JSON.stringify(inputs.object)}; set adopt: true to ` +
        "reference that attachment (it is then left attached on delete), or detach it first",
    );
  if (!attached) await attachTag(rest, inputs.tagId, object, signal);
  const outs: TagAttachmentOutputs = {
    ...inputs,
    objectType: object.type,
    objectMoid: object.value,
    adopted: attached,
  };
  return { id: attachmentId(inputs.tagId, object), outs };
}

async function readAttachment({ vc, signal }: OpContext, props: TagAttachmentOutputs) {
  const object = moRef(props.objectType, props.objectMoid);
  try {
    const objects = await listAttachedObjects(vc.rest(), props.tagId, signal);
    return objects.some((o) => sameMoRef(o, object)) ? props : undefined;
  } catch (err) {
    if (isRestNotFound(err)) return undefined; // the tag is gone, and its attachments with it
    throw err;
  }
}

async function deleteAttachment({ vc, signal }: OpContext, props: TagAttachmentOutputs): Promise<void> {
  if (props.adopted) return; // attached before this stack: leave it
  await detachTag(vc.rest(), props.tagId, moRef(props.objectType, props.objectMoid), signal).catch((err: unknown) => {
    if (!isRestNotFound(err)) throw err;
  });
}

export const tagAttachmentOps: ResourceOps<TagAttachmentInputs, TagAttachmentOutputs> = {
  check: checkTagAttachment,
  diff: diffTagAttachment,
  create: createAttachment,
  read: (ctx, _id, props) => readAttachment(ctx, props),
  // Only `adopt` can change without a replacement, and it matters at creation only.
  update: (_ctx, _id, olds, news) => Promise.resolve({ ...olds, adopt: news.adopt }),
  delete: (ctx, _id, props) => deleteAttachment(ctx, props),
};

/** What the TagAttachment's dynamic provider calls (provider.ts imports this module by package name). */
export const handlers = providerHandlers(tagAttachmentOps);
