// Upstream's YAML cloud config read into a ConfigDocument. Read as YAML 1.1 (upstream uses
// gopkg.in/yaml.v2), with anchors and merge keys. Plain scalars are taken as written, so
// `password: 0123` is "0123" and `port: 0443` is 443, not octal. Keys are case-sensitive, as
// in yaml.v2; unknown keys are accepted and listed in `ignored`.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { emptyDocument, reject, sectionLabel, setField, settingsOf, suggest } from "./document.js";
import { FIELDS, IGNORED_KEYS, IGNORED_SECTIONS, SECTION_NAMES, fieldByYaml, fieldsOf } from "./schema.js";
import type { SectionName } from "./schema.js";
import type { ConfigDocument, Scope } from "./types.js";

interface Entry {
  key: string;
  value: Node | null;
  line: number;
}

interface Ctx {
  doc: ConfigDocument;
  ydoc: Document.Parsed;
  lines: LineCounter;
}

/** Reads YAML text into a document; never throws: problems are in `doc.problems`, thrown by `resolveConfig`. */
export function parseYamlConfig(text: string): ConfigDocument {
  const doc = emptyDocument("yaml");
  const lines = new LineCounter();
  const ydoc = parseDocument(text, { version: "1.1", merge: true, prettyErrors: false, lineCounter: lines });
  for (const e of ydoc.errors) {
    // Our own words and the line only: the library's text could quote the line, and the line could hold a password.
    doc.problems.push({
      key: `line ${lines.linePos(e.pos[0]).line}`,
      message: e.code === "DUPLICATE_KEY" ? "a key is repeated in one mapping" : `YAML syntax error (${e.code})`,
      fix:
        e.code === "DUPLICATE_KEY"
          ? "keep one of the repeated keys"
          : "check the indentation, the quoting and the ': ' after each key around that line",
      syntax: true,
    });
  }
  if (ydoc.errors.length > 0) return doc;
  const ctx: Ctx = { doc, ydoc, lines };
  const root = resolve(ctx, ydoc.contents);
  if (!isMap(root)) {
    doc.problems.push({
      key: "line 1",
      message: root === null ? "the file holds no settings" : "the top level is not a mapping",
      fix: "start with `global:` (and `vcenter:`, `labels:`, `nodes:` as needed)",
      syntax: true,
    });
    return doc;
  }
  for (const entry of entries(ctx, root)) readTopLevel(ctx, entry);
  return doc;
}

function readTopLevel(ctx: Ctx, entry: Entry): void {
  const at = `${entry.key} (line ${entry.line})`;
  switch (entry.key) {
    case "global":
    case "labels":
    case "nodes":
      return readSettings(ctx, { section: entry.key }, entry);
    case "vcenter":
      return readVcenters(ctx, entry);
  }
  const known = IGNORED_SECTIONS[entry.key.toLowerCase()];
  if (known) {
    ctx.doc.ignored.push({ key: at, reason: known });
    return;
  }
  const hint = suggest(entry.key, Object.values(SECTION_NAMES.yaml));
  ctx.doc.ignored.push({
    key: at,
    reason: `unknown section, ignored as upstream does${hint ? `; did you mean ${hint}? (keys are case-sensitive)` : ""}`,
  });
}

function readVcenters(ctx: Ctx, entry: Entry): void {
  const node = resolve(ctx, entry.value);
  if (node === null) return;
  if (!isMap(node)) {
    ctx.doc.problems.push({
      key: `vcenter (line ${entry.line})`,
      message: "must be a mapping from vCenter names to their settings",
      fix: "write `vcenter:` then `  <name>:` then `    server: <host>`",
    });
    return;
  }
  for (const vc of entries(ctx, node)) {
    if (vc.key === "") {
      ctx.doc.problems.push({
        key: `vcenter (line ${vc.line})`,
        message: "a vCenter entry has an empty name",
        fix: "name it, e.g. after its server",
      });
      continue;
    }
    const scope: Scope = { section: "vcenter", name: vc.key };
    settingsOf(ctx.doc, scope);
    readSettings(ctx, scope, vc);
  }
}

function readSettings(ctx: Ctx, scope: Scope, entry: Entry): void {
  const node = resolve(ctx, entry.value);
  const where = sectionLabel("yaml", scope);
  if (node === null) return;
  if (!isMap(node)) {
    ctx.doc.problems.push({
      key: `${where} (line ${entry.line})`,
      message: "must be a mapping of settings",
      fix: `indent the settings of ${where} under it as \`key: value\` lines`,
    });
    return;
  }
  for (const item of entries(ctx, node)) {
    const spec = fieldByYaml(scope.section, item.key);
    const label = `${where}.${item.key} (line ${item.line})`;
    if (!spec) {
      ctx.doc.ignored.push({ key: label, reason: unknownKeyReason(scope.section, item.key) });
      continue;
    }
    const raw = valueText(ctx, item.value);
    if (raw === undefined) {
      reject(ctx.doc, scope, spec, {
        key: label,
        message: "must be a value, not a mapping",
        fix: `write ${spec.yaml}: <value>`,
      });
      continue;
    }
    setField(ctx.doc, scope, spec, raw, label);
  }
}

function unknownKeyReason(section: SectionName, key: string): string {
  const known = IGNORED_KEYS[key.toLowerCase()];
  if (known) return known;
  const elsewhere = FIELDS.find((x) => x.yaml === key);
  if (elsewhere) return `not read in ${section}; it belongs in ${elsewhere.sections.join(" or ")}`;
  const hint = suggest(
    key,
    fieldsOf(section).map((x) => x.yaml),
  );
  return `unknown key, ignored as upstream does${hint ? `; did you mean ${hint}? (keys are case-sensitive)` : ""}`;
}

/** A mapping's entries, merge keys (`<<: *base`) applied: explicit keys win, then earlier merged maps. */
function entries(ctx: Ctx, map: Node, seen = new Set<Node>()): Entry[] {
  if (!isMap(map) || seen.has(map)) return [];
  seen.add(map);
  const own: Entry[] = [];
  const merged: Entry[] = [];
  for (const pair of map.items) {
    const key = pair.key as Node | null;
    const value = (pair.value ?? null) as Node | null;
    if (isScalar(key) && (typeof key.value === "symbol" || key.source === "<<")) {
      const sources = resolve(ctx, value);
      const list = isSeq(sources) ? sources.items.map((x) => resolve(ctx, x as Node)) : [sources];
      for (const src of list) if (src) merged.push(...entries(ctx, src, seen));
      continue;
    }
    own.push({ key: keyText(key), value, line: lineOf(ctx, key ?? value) });
  }
  const keys = new Set(own.map((e) => e.key));
  for (const m of merged) {
    if (!keys.has(m.key)) {
      keys.add(m.key);
      own.push(m);
    }
  }
  return own;
}

function keyText(key: Node | null): string {
  if (!isScalar(key) || key.value === null) return "";
  if (key.type === "PLAIN" && typeof key.source === "string") return key.source;
  return primitiveText(key.value);
}

function lineOf(ctx: Ctx, node: Node | null): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 0 : ctx.lines.linePos(offset).line;
}

function resolve(ctx: Ctx, node: Node | null | undefined): Node | null {
  if (node === null || node === undefined) return null;
  const target = isAlias(node) ? (node.resolve(ctx.ydoc) as Node | undefined) : node;
  // `key:` with nothing after it is a null scalar: the same as leaving the key out.
  if (target === undefined || (isScalar(target) && target.value === null)) return null;
  return target;
}

/** The text of a scalar ("" for null), or the texts of a sequence of scalars; undefined for a mapping. */
function valueText(ctx: Ctx, value: Node | null): string | string[] | undefined {
  const node = resolve(ctx, value);
  if (node === null) return "";
  if (isSeq(node)) {
    const items = node.items.map((x) => scalarText(resolve(ctx, x as Node)));
    return items.some((x) => x === undefined) ? undefined : (items as string[]);
  }
  return scalarText(node);
}

function scalarText(node: Node | null): string | undefined {
  if (node === null) return "";
  if (!isScalar(node)) return undefined;
  if (node.value === null || node.value === undefined) return "";
  if (node.type === "PLAIN" && typeof node.source === "string") return node.source;
  return primitiveText(node.value);
}

/** Quoted and block scalars are strings; other tagged values (dates, binary) are not settings: "" then. */
function primitiveText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return "";
}
