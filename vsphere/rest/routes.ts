// The path layer: which HTTP method, path and body each tagging operation is, and how answers and
// errors are wrapped. vCenter has two REST flavours of the same service: the legacy `/rest`
// (bodies wrapped as {"create_spec": ...}, answers as {"value": ...}, errors as
// {"type", "value": {"messages"}}) and the newer `/api` (bare bodies and answers, errors as
// {"error_type", "messages"}). Only `/rest` exists here, because vcsim serves tagging only there;
// an `/api` flavour is a second `ApiFlavour` object, and nothing outside this file changes.
import type { HttpRequest } from "../http.js";
import type { MoRef } from "../types.js";
import type { CategoryCreateSpec, CategoryUpdateSpec, TagCreateSpec, TagUpdateSpec } from "./types.js";

/** Header that carries the session token on every call after login (both flavours). */
export const SESSION_HEADER = "vmware-api-session-id";

export type TaggingOperation =
  | { op: "listCategories" }
  | { op: "getCategory"; id: string }
  | { op: "createCategory"; spec: CategoryCreateSpec }
  | { op: "updateCategory"; id: string; update: CategoryUpdateSpec }
  | { op: "deleteCategory"; id: string }
  | { op: "listTags" }
  | { op: "listTagsForCategory"; categoryId: string }
  | { op: "getTag"; id: string }
  | { op: "createTag"; spec: TagCreateSpec }
  | { op: "updateTag"; id: string; update: TagUpdateSpec }
  | { op: "deleteTag"; id: string }
  | { op: "attachTag"; tagId: string; object: MoRef }
  | { op: "detachTag"; tagId: string; object: MoRef }
  | { op: "listAttachedObjects"; tagId: string }
  | { op: "listAttachedTagsOnObjects"; objects: readonly MoRef[] };

export interface Route {
  method: HttpRequest["method"];
  /** Path and query. */
  path: string;
  /** JSON body before encoding; absent for none. */
  body?: unknown;
  /** Call-accounting label, e.g. "POST tagging/category". Never holds ids, so metric labels stay few. */
  label: string;
  /** A read: safe to resend after a connection failure. */
  read: boolean;
  /** The id the call is about, for error messages. */
  subject?: string;
}

/** What an error answer says: the vAPI error type and its messages. */
export interface VapiError {
  type?: string;
  messages: string[];
}

export interface ApiFlavour {
  readonly name: "rest";
  /** Creates a session; sent with HTTP Basic credentials. */
  readonly login: Route;
  /** Deletes the session of the token sent with it. */
  readonly logout: Route;
  route(op: TaggingOperation): Route;
  /** The session token in a login answer; undefined when the answer has none. */
  token(json: unknown): string | undefined;
  /** The result in a success answer; undefined when the answer is not shaped like one. */
  unwrap(json: unknown): { value: unknown } | undefined;
  /** The vAPI error in an error answer; undefined when the answer is not shaped like one. */
  error(json: unknown): VapiError | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** "id:<id>" with the id escaped for a path segment; ':' stays literal, as vCenter's own clients send it. */
const idSegment = (id: string): string => `id:${encodeURIComponent(id).replace(/%3A/gi, ":")}`;

/** Only the fields that are set: an update spec leaves absent fields alone. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const objectId = (ref: MoRef) => ({ type: ref.type, id: ref.value });

const REST_BASE = "/rest/com/vmware/cis";
const CATEGORY = `${REST_BASE}/tagging/category`;
const TAG = `${REST_BASE}/tagging/tag`;
const ASSOCIATION = `${REST_BASE}/tagging/tag-association`;

function restRoute(o: TaggingOperation): Route {
  switch (o.op) {
    case "listCategories":
      return { method: "GET", path: CATEGORY, label: "GET tagging/category", read: true };
    case "getCategory":
      return get(`${CATEGORY}/${idSegment(o.id)}`, "GET tagging/category/{id}", o.id);
    case "createCategory":
      return {
        method: "POST",
        path: CATEGORY,
        label: "POST tagging/category",
        read: false,
        subject: o.spec.name,
        body: {
          // vCenter wants every key present, empty or not.
          create_spec: {
            name: o.spec.name,
            description: o.spec.description ?? "",
            cardinality: o.spec.cardinality,
            associable_types: o.spec.associableTypes ?? [],
          },
        },
      };
    case "updateCategory":
      return {
        method: "PATCH",
        path: `${CATEGORY}/${idSegment(o.id)}`,
        label: "PATCH tagging/category/{id}",
        read: false,
        subject: o.id,
        body: {
          update_spec: defined({
            name: o.update.name,
            description: o.update.description,
            cardinality: o.update.cardinality,
            associable_types: o.update.associableTypes,
          }),
        },
      };
    case "deleteCategory":
      return del(`${CATEGORY}/${idSegment(o.id)}`, "DELETE tagging/category/{id}", o.id);
    case "listTags":
      return { method: "GET", path: TAG, label: "GET tagging/tag", read: true };
    case "listTagsForCategory":
      return {
        method: "POST",
        path: `${TAG}/${idSegment(o.categoryId)}?~action=list-tags-for-category`,
        label: "POST tagging/tag/{id}?~action=list-tags-for-category",
        read: true,
        subject: o.categoryId,
        body: { category_id: o.categoryId },
      };
    case "getTag":
      return get(`${TAG}/${idSegment(o.id)}`, "GET tagging/tag/{id}", o.id);
    case "createTag":
      return {
        method: "POST",
        path: TAG,
        label: "POST tagging/tag",
        read: false,
        subject: o.spec.name,
        body: {
          create_spec: { name: o.spec.name, description: o.spec.description ?? "", category_id: o.spec.categoryId },
        },
      };
    case "updateTag":
      return {
        method: "PATCH",
        path: `${TAG}/${idSegment(o.id)}`,
        label: "PATCH tagging/tag/{id}",
        read: false,
        subject: o.id,
        body: { update_spec: defined({ name: o.update.name, description: o.update.description }) },
      };
    case "deleteTag":
      return del(`${TAG}/${idSegment(o.id)}`, "DELETE tagging/tag/{id}", o.id);
    case "attachTag":
    case "detachTag": {
      const action = o.op === "attachTag" ? "attach" : "detach";
      return {
        method: "POST",
        path: `${ASSOCIATION}/${idSegment(o.tagId)}?~action=${action}`,
        label: `POST tagging/tag-association/{id}?~action=${action}`,
        read: false,
        subject: `${o.tagId} on ${o.object.type}:${o.object.value}`,
        body: { object_id: objectId(o.object) },
      };
    }
    case "listAttachedObjects":
      return {
        method: "POST",
        path: `${ASSOCIATION}/${idSegment(o.tagId)}?~action=list-attached-objects`,
        label: "POST tagging/tag-association/{id}?~action=list-attached-objects",
        read: true,
        subject: o.tagId,
        // No parameters, but vcsim rejects a POST without a JSON body.
        body: {},
      };
    case "listAttachedTagsOnObjects":
      return {
        method: "POST",
        path: `${ASSOCIATION}?~action=list-attached-tags-on-objects`,
        label: "POST tagging/tag-association?~action=list-attached-tags-on-objects",
        read: true,
        body: { object_ids: o.objects.map(objectId) },
      };
    default: {
      const never: never = o;
      throw new Error(`unknown tagging operation ${JSON.stringify(never)}`);
    }
  }
}

const get = (path: string, label: string, subject: string): Route => ({
  method: "GET",
  path,
  label,
  read: true,
  subject,
});
const del = (path: string, label: string, subject: string): Route => ({
  method: "DELETE",
  path,
  label,
  read: false,
  subject,
});

/** Messages of a vAPI error: LocalizableMessage objects on vCenter, plain strings in vcsim. */
function messages(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((m) =>
      typeof m === "string" ? m : isRecord(m) && typeof m.default_message === "string" ? m.default_message : "",
    )
    .filter((m) => m !== "");
}

export const REST_FLAVOUR: ApiFlavour = {
  name: "rest",
  login: { method: "POST", path: `${REST_BASE}/session`, label: "POST session", read: false },
  logout: { method: "DELETE", path: `${REST_BASE}/session`, label: "DELETE session", read: false },
  route: restRoute,
  token: (json) => (isRecord(json) && typeof json.value === "string" && json.value !== "" ? json.value : undefined),
  unwrap: (json) => (isRecord(json) && "value" in json ? { value: json.value } : undefined),
  error: (json) => {
    if (!isRecord(json) || typeof json.type !== "string") return undefined;
    return { type: json.type, messages: isRecord(json.value) ? messages(json.value.messages) : [] };
  },
};
