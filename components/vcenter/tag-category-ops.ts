// TagCategory: a tag category made by this stack, or, with `adopt`, an existing one of that name
// referenced as it is (its id is output, `adopted` is true, and it is never changed or deleted).
//
// vCenter changes a category in place within limits: the name and description freely, the
// cardinality only from SINGLE to MULTIPLE, and the associable types only by adding to them.
// Anything else replaces the category. Delete refuses a category that still holds tags.
import { NotFoundError, RestError } from "../../vsphere/errors.js";
import {
  createCategory,
  deleteCategory,
  findCategoryByName,
  getCategory,
  listTagIdsForCategory,
  updateCategory,
} from "../../vsphere/rest/tagging.js";
import type { Cardinality, CategoryUpdateSpec, TagCategory } from "../../vsphere/rest/types.js";
import { providerHandlers, type OpContext, type ResourceOps } from "./handlers.js";
import {
  decide,
  isUnknown,
  Problems,
  sameSet,
  sameValue,
  sortedUnique,
  UNKNOWN,
  type CheckResult,
  type DiffDecision,
} from "./inputs.js";

export interface TagCategoryInputs {
  name: string;
  description: string;
  cardinality: Cardinality;
  /** Sorted, unique; empty means any type. */
  associableTypes: string[];
  adopt: boolean;
}

export interface TagCategoryOutputs extends TagCategoryInputs {
  /** The category existed and is referenced, not owned: never updated or deleted. */
  adopted: boolean;
}

const CARDINALITIES: readonly Cardinality[] = ["SINGLE", "MULTIPLE"];

export function checkTagCategory(news: Record<string, unknown>): CheckResult<TagCategoryInputs> {
  const p = new Problems();
  const name = p.string(news, "name", 'the category name, e.g. "k8s-zone"');
  const description = p.optionalString(news, "description", "free text") ?? "";
  let cardinality: Cardinality = "SINGLE";
  if (news.cardinality !== undefined && news.cardinality !== null) {
    if (news.cardinality === UNKNOWN || CARDINALITIES.includes(news.cardinality as Cardinality))
      cardinality = news.cardinality as Cardinality;
    else p.add("cardinality", `${JSON.stringify(news.cardinality)}: expected "SINGLE" or "MULTIPLE"`);
  }
  const associableTypes = p.stringList(news, "associableTypes", (t, path) => {
    if (!/^[A-Za-z][A-Za-z0-9_.:]*$/.test(t))
      p.add(
        path,
        `${JSON.stringify(t)} is not a managed object type; use types like "Datacenter" or "ClusterComputeResource"`,
      );
  });
  const adopt = p.boolean(news, "adopt", false);
  return p.result({ name, description, cardinality, associableTypes: sortedUnique(associableTypes), adopt });
}

export function diffTagCategory(olds: TagCategoryOutputs, news: TagCategoryInputs): DiffDecision {
  const changed: string[] = [];
  const replace: string[] = [];
  if (!sameValue(olds.name, news.name)) changed.push("name");
  if (olds.adopted) {
    // Another name means another category to adopt; the rest is vCenter's, not ours to change.
    replace.push("name");
  } else {
    if (!sameValue(olds.description, news.description)) changed.push("description");
    if (!sameValue(olds.cardinality, news.cardinality)) {
      changed.push("cardinality");
      if (!(olds.cardinality === "SINGLE" && news.cardinality === "MULTIPLE")) replace.push("cardinality");
    }
    if (!sameSet(olds.associableTypes, news.associableTypes)) {
      changed.push("associableTypes");
      if (!onlyAdds(olds.associableTypes ?? [], news.associableTypes)) replace.push("associableTypes");
    }
  }
  if (!sameValue(olds.adopt, news.adopt)) changed.push("adopt");
  return decide(changed, replace);
}

/** Whether `next` keeps every type of `prev` and `prev` restricted the types (empty means any). */
function onlyAdds(prev: readonly string[], next: readonly string[]): boolean {
  if (isUnknown(next) || prev.length === 0 || next.length === 0) return false;
  return prev.every((t) => next.includes(t));
}

const isRestNotFound = (err: unknown) => err instanceof RestError && err.notFound;

const outputsOf = (c: TagCategory, adopt: boolean, adopted: boolean): TagCategoryOutputs => ({
  name: c.name,
  description: c.description,
  cardinality: c.cardinality,
  associableTypes: sortedUnique(c.associableTypes),
  adopt,
  adopted,
});

async function createTagCategory({ vc, signal }: OpContext, inputs: TagCategoryInputs) {
  const rest = vc.rest();
  const existing = await findCategoryByName(rest, inputs.name, signal).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (existing) {
    if (!inputs.adopt)
      throw new Error(
        `tag category ${JSON.stringify(inputs.name)} already exists (id ${existing.id}); set adopt: true to ` +
          "reference it (it is then never changed or deleted by this stack), or choose another name",
      );
    return { id: existing.id, outs: outputsOf(existing, inputs.adopt, true) };
  }
  const { name, description, cardinality, associableTypes } = inputs;
  const id = await createCategory(rest, { name, description, cardinality, associableTypes }, signal);
  return { id, outs: { ...inputs, adopted: false } };
}

async function readTagCategory({ vc, signal }: OpContext, id: string, props: TagCategoryOutputs) {
  try {
    return outputsOf(await getCategory(vc.rest(), id, signal), props.adopt, props.adopted);
  } catch (err) {
    if (isRestNotFound(err)) return undefined;
    throw err;
  }
}

async function updateTagCategory(
  { vc, signal }: OpContext,
  id: string,
  olds: TagCategoryOutputs,
  news: TagCategoryInputs,
) {
  if (olds.adopted) return { ...olds, adopt: news.adopt };
  const update: CategoryUpdateSpec = {};
  if (olds.name !== news.name) update.name = news.name;
  if (olds.description !== news.description) update.description = news.description;
  if (olds.cardinality !== news.cardinality) update.cardinality = news.cardinality;
  if (!sameSet(olds.associableTypes, news.associableTypes)) {
    // vCenter wants the current types first, in their order, then the additions.
    const current = (await getCategory(vc.rest(), id, signal)).associableTypes;
    update.associableTypes = [...current, ...news.associableTypes.filter((t) => !current.includes(t))];
  }
  if (Object.keys(update).length > 0) await updateCategory(vc.rest(), id, update, signal);
  return { ...news, adopted: false };
}

async function deleteTagCategory({ vc, signal }: OpContext, id: string, props: TagCategoryOutputs): Promise<void> {
  if (props.adopted) return; // referenced, not ours
  const rest = vc.rest();
  let tags: string[];
  try {
    tags = await listTagIdsForCategory(rest, id, signal);
  } catch (err) {
    if (isRestNotFound(err)) return; // already gone
    throw err;
  }
  if (tags.length > 0) {
    throw new Error(
      `tag category ${JSON.stringify(props.name)} still holds ${tags.length} tag(s) this resource did not make; ` +
        "delete them (or the Tag resources that made them) first",
    );
  }
  await deleteCategory(rest, id, signal).catch((err: unknown) => {
    if (!isRestNotFound(err)) throw err;
  });
}

export const tagCategoryOps: ResourceOps<TagCategoryInputs, TagCategoryOutputs> = {
  check: checkTagCategory,
  diff: diffTagCategory,
  create: createTagCategory,
  read: readTagCategory,
  update: updateTagCategory,
  delete: deleteTagCategory,
};

/** What the TagCategory's dynamic provider calls (provider.ts imports this module by package name). */
export const handlers = providerHandlers(tagCategoryOps);
