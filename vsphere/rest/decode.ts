// Answers of the tagging service (snake_case JSON, already unwrapped from the flavour's envelope)
// to the typed shapes of types.ts. A shape we cannot read is a protocol error, never a guess.
// Lists arrive as null when empty (vcsim encodes an empty Go slice that way).
import { TransportError } from "../errors.js";
import { moKey, type MoRef } from "../types.js";
import type { AttachedTags, Cardinality, Tag, TagCategory } from "./types.js";

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function unexpected(label: string, what: string): TransportError {
  return new TransportError(`${label}: unexpected answer (${what})`, "protocol");
}

function record(label: string, v: unknown, what: string): Json {
  if (!isRecord(v)) throw unexpected(label, `${what} is not an object`);
  return v;
}

function list(label: string, v: unknown, what: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw unexpected(label, `${what} is not a list`);
  return v;
}

function str(label: string, o: Json, key: string, optional = false): string {
  const v = o[key];
  if (typeof v === "string") return v;
  // vcsim leaves out empty strings (Go omitempty), vCenter sends them.
  if (optional && (v === undefined || v === null)) return "";
  throw unexpected(label, `${key} is not a string`);
}

function strings(label: string, v: unknown, what: string): string[] {
  return list(label, v, what).map((s) => {
    if (typeof s !== "string") throw unexpected(label, `${what} holds a non-string`);
    return s;
  });
}

/** A list of ids ("list", "list-tags-for-category"). */
export const decodeIds = (label: string, v: unknown): string[] => strings(label, v, "id list");

export function decodeCategory(label: string, v: unknown): TagCategory {
  const o = record(label, v, "category");
  const cardinality = o.cardinality;
  if (cardinality !== "SINGLE" && cardinality !== "MULTIPLE") {
    throw unexpected(label, `cardinality ${JSON.stringify(cardinality)}`);
  }
  return {
    id: str(label, o, "id"),
    name: str(label, o, "name"),
    description: str(label, o, "description", true),
    cardinality: cardinality satisfies Cardinality,
    associableTypes: strings(label, o.associable_types, "associable_types"),
    usedBy: strings(label, o.used_by, "used_by"),
  };
}

export function decodeTag(label: string, v: unknown): Tag {
  const o = record(label, v, "tag");
  return {
    id: str(label, o, "id"),
    categoryId: str(label, o, "category_id"),
    name: str(label, o, "name"),
    description: str(label, o, "description", true),
    usedBy: strings(label, o.used_by, "used_by"),
  };
}

/** A DynamicID {"type", "id"} to a MoRef. */
export function decodeObjectId(label: string, v: unknown): MoRef {
  const o = record(label, v, "object id");
  return { type: str(label, o, "type"), value: str(label, o, "id") };
}

export const decodeObjectIds = (label: string, v: unknown): MoRef[] =>
  list(label, v, "object list").map((o) => decodeObjectId(label, o));

/**
 * The answer of list-attached-tags-on-objects, one entry per asked object in the order asked.
 * An object the server left out has no tags (vCenter omits them; vcsim lists them with null).
 */
export function decodeAttachedTags(label: string, v: unknown, asked: readonly MoRef[]): AttachedTags[] {
  const byObject = new Map<string, string[]>();
  for (const e of list(label, v, "attached tags")) {
    const o = record(label, e, "attached tags entry");
    const key = moKey(decodeObjectId(label, o.object_id));
    byObject.set(key, [...(byObject.get(key) ?? []), ...strings(label, o.tag_ids, "tag_ids")]);
  }
  return asked.map((object) => ({ object, tagIds: byObject.get(moKey(object)) ?? [] }));
}
