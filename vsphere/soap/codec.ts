// Mapping between our typed values and the `soap` package's generic XML objects.
//
// Requests: a ManagedObjectReference is { attributes: { type }, $value }, a polymorphic value
// carries attributes["xsi:type"]; key order is element order, so builders list fields in vim25
// schema order.
// Responses: with xsd:anyType bodies, `soap` yields strings, objects and, for repeated
// elements, arrays; the xsi:type of a value arrives as an attribute whose key ends in ":type".
// `decode` turns that into plain data: MoRefs as { type, value }, typed scalars as numbers and
// booleans, ArrayOfX as arrays, and other typed objects with a `_type` field.
import type { MoRef } from "../types.js";

export type Xml = string | XmlObject | Xml[];
export interface XmlObject {
  attributes?: Record<string, string>;
  $value?: string;
  [child: string]: Xml | Record<string, string> | undefined;
}

export type Decoded = string | number | boolean | MoRef | DecodedObject | Decoded[] | null;
export interface DecodedObject {
  _type?: string;
  [key: string]: Decoded | undefined;
}

/** A request value: ManagedObjectReference element. */
export const moArg = (ref: MoRef): XmlObject => ({ attributes: { type: ref.type }, $value: ref.value });

/** A request value with an explicit xsi:type (polymorphic data objects). */
export const typed = (type: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  attributes: { "xsi:type": type },
  ...fields,
});

function xsiType(attrs: Record<string, string> | undefined): string | undefined {
  if (!attrs) return undefined;
  for (const [k, v] of Object.entries(attrs)) if (k !== "type" && /(^|:)type$/.test(k)) return v.replace(/^[^:]*:/, "");
  return undefined;
}

// Decoded values must not hold on to the reply they came from. The XML parser hands out text as
// substrings of the reply, and V8 keeps a substring of 13 or more characters as a slice that
// references its parent: one kept VM name or UUID kept a whole 290 kB WaitForUpdatesEx page
// alive (2.9 MB at 1,000 VMs, ten pages; bench/RESULTS.md, "Memory"). So every string that leaves
// decode() is its own copy; shorter strings are already copies. Type names (a few hundred
// distinct ones at most: vim25 data object and managed object types) are shared instead.
const SLICE_MIN_LENGTH = 13;
const own = (s: string): string => (s.length < SLICE_MIN_LENGTH ? s : (JSON.parse(JSON.stringify(s)) as string));
const TYPE_NAMES = new Map<string, string>();
const MAX_TYPE_NAMES = 4096;
function typeName(s: string): string {
  const known = TYPE_NAMES.get(s);
  if (known !== undefined) return known;
  const copy = own(s);
  if (TYPE_NAMES.size < MAX_TYPE_NAMES) TYPE_NAMES.set(copy, copy);
  return copy;
}

const INT_TYPES = new Set(["int", "long", "short", "byte", "float", "double"]);

function scalar(type: string | undefined, text: string): Decoded {
  if (type === "boolean") return text === "true" || text === "1";
  if (type && INT_TYPES.has(type)) return Number(text);
  return own(text);
}

export function decode(node: Xml | undefined): Decoded {
  if (node === undefined || node === null) return null;
  if (typeof node === "string") return own(node);
  if (Array.isArray(node)) return node.map((n) => decode(n));
  const xsi = xsiType(node.attributes);
  const type = xsi === undefined ? undefined : typeName(xsi);
  const moType = node.attributes?.type;
  if (moType !== undefined && (type === undefined || type === "ManagedObjectReference")) {
    return { type: typeName(moType), value: own(node.$value ?? "") };
  }
  const childKeys = Object.keys(node).filter((k) => k !== "attributes" && k !== "$value");
  if (type?.startsWith("ArrayOf")) {
    const out: Decoded[] = [];
    for (const k of childKeys) {
      const v = node[k] as Xml;
      for (const item of Array.isArray(v) ? v : [v]) out.push(decode(item));
    }
    return out;
  }
  if (childKeys.length === 0) return scalar(type, node.$value ?? "");
  const obj: DecodedObject = {};
  if (type) obj._type = type;
  for (const k of childKeys) obj[k] = decode(node[k]);
  return obj;
}

// Accessors that coerce untyped children (which `soap` leaves as strings, and as a single value
// where the schema says "array" but only one element came back).

export function asArray<T = Decoded>(v: Decoded | undefined): T[] {
  if (v === undefined || v === null || v === "") return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}
export const asString = (v: Decoded | undefined): string | undefined =>
  v === undefined || v === null ? undefined : typeof v === "object" ? undefined : String(v);
export const asNumber = (v: Decoded | undefined): number | undefined => {
  if (v === undefined || v === null || typeof v === "object") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};
export const asBoolean = (v: Decoded | undefined): boolean | undefined =>
  v === undefined || v === null ? undefined : v === true || v === "true" || v === "1";
export const isMoRef = (v: Decoded | undefined): v is MoRef =>
  !!v &&
  typeof v === "object" &&
  !Array.isArray(v) &&
  typeof (v as MoRef).type === "string" &&
  typeof (v as MoRef).value === "string" &&
  Object.keys(v).length === 2;
export const asMoRef = (v: Decoded | undefined): MoRef | undefined => (isMoRef(v) ? v : undefined);
export const asObject = (v: Decoded | undefined): DecodedObject | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as DecodedObject) : undefined;
