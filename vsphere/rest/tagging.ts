// Tag categories and tags (com.vmware.cis.tagging.Category and .Tag).
//
// What callers must know:
// - `get…` by id rejects with RestError (`notFound` true) when the id is gone; `find…ByName`
//   rejects with NotFoundError / AmbiguousError.
// - The service has no lookup by name: `find…ByName` and `list…` (the non-id ones) cost one call
//   for the ids plus one per object. Resolve names once and keep the ids.
// - vcsim accepts a tag whose category does not exist and never checks cardinality or associable
//   types on attach; vCenter does. Do not rely on either from tests.
import { AmbiguousError, NotFoundError, RestError } from "../errors.js";
import type { RestCallOptions, RestClient } from "./client.js";
import { decodeCategory, decodeIds, decodeTag } from "./decode.js";
import type {
  CategoryCreateSpec,
  CategoryUpdateSpec,
  Tag,
  TagCategory,
  TagCreateSpec,
  TagUpdateSpec,
} from "./types.js";

/** How many `get` calls a name lookup keeps in flight. */
const LOOKUP_CONCURRENCY = 4;

const opts = (signal?: AbortSignal): RestCallOptions => ({ signal });

// ---- categories

/** Ids of every category: one call. */
export async function listCategoryIds(client: RestClient, signal?: AbortSignal): Promise<string[]> {
  return decodeIds("GET tagging/category", await client.call({ op: "listCategories" }, opts(signal)));
}

/** Every category: 1 + N calls; one deleted between the two steps is left out. */
export async function listCategories(client: RestClient, signal?: AbortSignal): Promise<TagCategory[]> {
  return getEach(await listCategoryIds(client, signal), (id) => getCategory(client, id, signal));
}

/** The category `id`: one call; RestError (notFound) when there is none. */
export async function getCategory(client: RestClient, id: string, signal?: AbortSignal): Promise<TagCategory> {
  return decodeCategory("GET tagging/category/{id}", await client.call({ op: "getCategory", id }, opts(signal)));
}

/** Creates a category and resolves with its id; RestError (alreadyExists) when the name is taken. */
export async function createCategory(
  client: RestClient,
  spec: CategoryCreateSpec,
  signal?: AbortSignal,
): Promise<string> {
  const id = await client.call({ op: "createCategory", spec }, opts(signal));
  return decodeId("POST tagging/category", id);
}

/** Changes the fields set in `update`. */
export async function updateCategory(
  client: RestClient,
  id: string,
  update: CategoryUpdateSpec,
  signal?: AbortSignal,
): Promise<void> {
  await client.call({ op: "updateCategory", id, update }, opts(signal));
}

/** Deletes a category with its tags (and their attachments). */
export async function deleteCategory(client: RestClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.call({ op: "deleteCategory", id }, opts(signal));
}

/** The category called `name` (names are unique): 1 + N calls; NotFoundError when there is none. */
export async function findCategoryByName(client: RestClient, name: string, signal?: AbortSignal): Promise<TagCategory> {
  const matches = (await listCategories(client, signal)).filter((c) => c.name === name);
  return one("tag category", name, matches);
}

// ---- tags

/** Ids of every tag: one call. */
export async function listTagIds(client: RestClient, signal?: AbortSignal): Promise<string[]> {
  return decodeIds("GET tagging/tag", await client.call({ op: "listTags" }, opts(signal)));
}

/** Ids of the tags of one category: one call. */
export async function listTagIdsForCategory(
  client: RestClient,
  categoryId: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const ids = await client.call({ op: "listTagsForCategory", categoryId }, opts(signal));
  return decodeIds("POST tagging/tag/{id}?~action=list-tags-for-category", ids);
}

/** The tags of one category: 1 + N calls; one deleted between the two steps is left out. */
export async function listTagsForCategory(
  client: RestClient,
  categoryId: string,
  signal?: AbortSignal,
): Promise<Tag[]> {
  return getEach(await listTagIdsForCategory(client, categoryId, signal), (id) => getTag(client, id, signal));
}

/** The tag `id`: one call; RestError (notFound) when there is none. */
export async function getTag(client: RestClient, id: string, signal?: AbortSignal): Promise<Tag> {
  return decodeTag("GET tagging/tag/{id}", await client.call({ op: "getTag", id }, opts(signal)));
}

/** Creates a tag and resolves with its id; RestError (alreadyExists) when its category has one of that name. */
export async function createTag(client: RestClient, spec: TagCreateSpec, signal?: AbortSignal): Promise<string> {
  return decodeId("POST tagging/tag", await client.call({ op: "createTag", spec }, opts(signal)));
}

/** Changes the fields set in `update`. */
export async function updateTag(
  client: RestClient,
  id: string,
  update: TagUpdateSpec,
  signal?: AbortSignal,
): Promise<void> {
  await client.call({ op: "updateTag", id, update }, opts(signal));
}

/** Deletes a tag and its attachments. */
export async function deleteTag(client: RestClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.call({ op: "deleteTag", id }, opts(signal));
}

/**
 * The tag called `name` in category `categoryId` (names are unique within a category): 1 + N
 * calls; NotFoundError (path "<categoryId>/<name>") when there is none.
 */
export async function findTagByName(
  client: RestClient,
  categoryId: string,
  name: string,
  signal?: AbortSignal,
): Promise<Tag> {
  const matches = (await listTagsForCategory(client, categoryId, signal)).filter((t) => t.name === name);
  return one("tag", `${categoryId}/${name}`, matches);
}

// ---- helpers

function decodeId(label: string, v: unknown): string {
  const [id] = decodeIds(label, [v]);
  return id;
}

function one<T extends { id: string }>(kind: string, path: string, matches: T[]): T {
  if (matches.length === 0) throw new NotFoundError(kind, path);
  if (matches.length > 1) {
    // Tagging ids are not managed objects; the error carries them as MoRefs of the tagging kind.
    throw new AmbiguousError(
      kind,
      path,
      matches.map((m) => ({ type: kind, value: m.id })),
    );
  }
  return matches[0];
}

/** `get` for each id, a few at a time, in id order; ids that vanished meanwhile are skipped. */
async function getEach<T>(ids: readonly string[], get: (id: string) => Promise<T>): Promise<T[]> {
  const out: (T | undefined)[] = new Array<T | undefined>(ids.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < ids.length && !failed) {
      const i = next++;
      try {
        out[i] = await get(ids[i]);
      } catch (err) {
        if (err instanceof RestError && err.notFound) continue;
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, ids.length) }, worker));
  return out.filter((x): x is T => x !== undefined);
}
