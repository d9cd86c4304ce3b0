// Tag: a tag in a category named by id or by name, made by this stack or, with `adopt`, an
// existing tag of that name referenced as it is (never changed or deleted by the stack).
// Name and description change in place; another category replaces the tag (vCenter cannot move
// a tag). Deleting a tag also detaches it from everything it is attached to (vCenter does that).
import { NotFoundError, RestError } from "../../vsphere/errors.js";
import {
  createTag,
  deleteTag,
  findCategoryByName,
  findTagByName,
  getCategory,
  getTag,
  updateTag,
} from "../../vsphere/rest/tagging.js";
import type { Tag, TagCategory, TagUpdateSpec } from "../../vsphere/rest/types.js";
import type { RestClient } from "../../vsphere/rest/client.js";
import { providerHandlers, type OpContext, type ResourceOps } from "./handlers.js";
import { decide, Problems, sameValue, type CheckResult, type DiffDecision } from "./inputs.js";

export interface TagInputs {
  name: string;
  description: string;
  /** Exactly one of categoryId and categoryName is set. */
  categoryId?: string;
  categoryName?: string;
  adopt: boolean;
}

export interface TagOutputs extends TagInputs {
  /** Both resolved, whichever the inputs named. */
  categoryId: string;
  categoryName: string;
  /** The tag existed and is referenced, not owned: never updated or deleted. */
  adopted: boolean;
}

export function checkTag(news: Record<string, unknown>): CheckResult<TagInputs> {
  const p = new Problems();
  const name = p.string(news, "name", 'the tag name, e.g. "zone-a"');
  const description = p.optionalString(news, "description", "free text") ?? "";
  const categoryId = p.optionalString(news, "categoryId", "the id of a category, e.g. a TagCategory's id");
  const categoryName = p.optionalString(news, "categoryName", 'the name of a category, e.g. "k8s-zone"');
  const hasId = news.categoryId !== undefined && news.categoryId !== null;
  const hasName = news.categoryName !== undefined && news.categoryName !== null;
  if (hasId === hasName) p.add("categoryId", "set exactly one of categoryId and categoryName");
  if (categoryId === "") p.add("categoryId", "must not be empty");
  if (categoryName === "") p.add("categoryName", "must not be empty");
  const inputs: TagInputs = { name, description, adopt: p.boolean(news, "adopt", false) };
  if (categoryId !== undefined) inputs.categoryId = categoryId;
  if (categoryName !== undefined) inputs.categoryName = categoryName;
  return p.result(inputs);
}

export function diffTag(olds: TagOutputs, news: TagInputs): DiffDecision {
  const changed: string[] = [];
  const replace = ["categoryId", "categoryName"];
  if (news.categoryId !== undefined && !sameValue(olds.categoryId, news.categoryId)) changed.push("categoryId");
  if (news.categoryName !== undefined && !sameValue(olds.categoryName, news.categoryName)) changed.push("categoryName");
  if (!sameValue(olds.name, news.name)) changed.push("name");
  if (olds.adopted)
    replace.push("name"); // another name: another tag to adopt
  else if (!sameValue(olds.description, news.description)) changed.push("description");
  if (!sameValue(olds.adopt, news.adopt)) changed.push("adopt");
  return decide(changed, replace);
}

const isRestNotFound = (err: unknown) => err instanceof RestError && err.notFound;

async function resolveCategory(rest: RestClient, inputs: TagInputs, signal: AbortSignal): Promise<TagCategory> {
  try {
    if (inputs.categoryId !== undefined) return await getCategory(rest, inputs.categoryId, signal);
    return await findCategoryByName(rest, inputs.categoryName ?? "", signal);
  } catch (err) {
    if (err instanceof NotFoundError || isRestNotFound(err)) {
      const what =
        inputs.categoryId !== undefined ? `with id ${inputs.categoryId}` : JSON.stringify(inputs.categoryName);
      throw new Error(`tag category ${what} not found in vCenter`, { cause: err });
    }
    throw err;
  }
}

const outputsOf = (t: Tag, category: TagCategory, inputs: TagInputs, adopted: boolean): TagOutputs => ({
  ...inputs,
  name: t.name,
  description: t.description,
  categoryId: category.id,
  categoryName: category.name,
  adopted,
});

async function createTagOp({ vc, signal }: OpContext, inputs: TagInputs) {
  const rest = vc.rest();
  const category = await resolveCategory(rest, inputs, signal);
  const existing = await findTagByName(rest, category.id, inputs.name, signal).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (existing) {
    if (!inputs.adopt)
      throw new Error(
        `tag ${JSON.stringify(inputs.name)} already exists in category ${JSON.stringify(category.name)} ` +
          `(id ${existing.id}); set adopt: true to reference it (it is then never changed or deleted by this ` +
          "stack), or choose another name",
      );
    return { id: existing.id, outs: outputsOf(existing, category, inputs, true) };
  }
  const spec = { categoryId: category.id, name: inputs.name, description: inputs.description };
  const id = await createTag(rest, spec, signal);
  return { id, outs: { ...inputs, categoryId: category.id, categoryName: category.name, adopted: false } };
}

async function readTag({ vc, signal }: OpContext, id: string, props: TagOutputs) {
  try {
    const tag = await getTag(vc.rest(), id, signal);
    return { ...props, name: tag.name, description: tag.description, categoryId: tag.categoryId };
  } catch (err) {
    if (isRestNotFound(err)) return undefined;
    throw err;
  }
}

async function updateTagOp({ vc, signal }: OpContext, id: string, olds: TagOutputs, news: TagInputs) {
  const outs = { ...olds, ...news, categoryId: olds.categoryId, categoryName: olds.categoryName };
  if (olds.adopted) return { ...olds, adopt: news.adopt };
  const update: TagUpdateSpec = {};
  if (olds.name !== news.name) update.name = news.name;
  if (olds.description !== news.description) update.description = news.description;
  if (Object.keys(update).length > 0) await updateTag(vc.rest(), id, update, signal);
  return outs;
}

async function deleteTagOp({ vc, signal }: OpContext, id: string, props: TagOutputs): Promise<void> {
  if (props.adopted) return; // referenced, not ours
  await deleteTag(vc.rest(), id, signal).catch((err: unknown) => {
    if (!isRestNotFound(err)) throw err;
  });
}

export const tagOps: ResourceOps<TagInputs, TagOutputs> = {
  check: checkTag,
  diff: diffTag,
  create: createTagOp,
  read: readTag,
  update: updateTagOp,
  delete: deleteTagOp,
};

/** What the Tag's dynamic provider calls (provider.ts imports this module by package name). */
export const handlers = providerHandlers(tagOps);
