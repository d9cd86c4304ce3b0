// The legacy INI vsphere.conf (upstream's and the in-tree provider's) read into a ConfigDocument.
// Section and key names are case-insensitive, vCenter names are not (as in gcfg). Sections and
// keys the controller does not use are accepted and listed in `ignored` with the reason.
import { labelOf, emptyDocument, originId, reject, sectionLabel, setField, settingsOf, suggest } from "./document.js";
import { readIni, type IniEntry, type IniSection } from "./ini.js";
import {
  FIELDS,
  IGNORED_KEYS,
  IGNORED_SECTIONS,
  SECTION_NAMES,
  fieldByIni,
  fieldsOf,
  type SectionName,
} from "./schema.js";
import type { ConfigDocument, Scope } from "./types.js";

/** Reads INI text into a document; never throws: problems are in `doc.problems`, thrown by `resolveConfig`. */
export function parseIniConfig(text: string): ConfigDocument {
  const doc = emptyDocument("ini");
  const file = readIni(text);
  for (const e of file.errors) {
    doc.problems.push({ key: `line ${e.line}`, message: e.message, fix: e.fix, syntax: true });
  }
  const vcenterHeaders = new Map<string, number>();
  let datacenter: IniEntry | undefined;
  for (const section of file.sections) {
    const scope = scopeOf(doc, section);
    if (!scope) continue;
    if (scope.section === "vcenter") {
      settingsOf(doc, scope);
      if (!vcenterHeaders.has(scope.name)) vcenterHeaders.set(scope.name, section.line);
    }
    for (const entry of section.entries) {
      if (scope.section === "global" && entry.name.toLowerCase() === "datacenter") datacenter = entry;
      else readEntry(doc, scope, entry);
    }
  }
  for (const [name, line] of vcenterHeaders) defaultServerToName(doc, name, line);
  if (datacenter) readDatacenterAlias(doc, datacenter);
  return doc;
}

/** The scope a section's keys go to, or undefined when the section is ignored (and recorded so). */
function scopeOf(doc: ConfigDocument, section: IniSection): Scope | undefined {
  const name = section.name.toLowerCase();
  const header =
    section.subsection === undefined ? `[${section.name}]` : `[${section.name} ${JSON.stringify(section.subsection)}]`;
  const at = `${header} (line ${section.line})`;
  if (name === "virtualcenter") {
    if (section.subsection !== undefined) return { section: "vcenter", name: section.subsection };
    doc.problems.push({
      key: at,
      message: "a vCenter section needs the vCenter's name",
      fix: 'write [VirtualCenter "vcenter.example.com"]',
    });
    return undefined;
  }
  if (name === "global" || name === "labels" || name === "nodes") {
    if (section.subsection === undefined) return { section: name };
    doc.ignored.push({
      key: at,
      reason: `[${SECTION_NAMES.ini[name]}] takes no name, so upstream ignores every key under this header; write [${SECTION_NAMES.ini[name]}]`,
    });
    return undefined;
  }
  const known = IGNORED_SECTIONS[name];
  if (known) {
    doc.ignored.push({ key: at, reason: known });
    return undefined;
  }
  const hint = suggest(name, Object.values(SECTION_NAMES.ini));
  doc.ignored.push({
    key: at,
    reason: `unknown section, ignored as upstream does${hint ? `; did you mean [${hint}]?` : ""}`,
  });
  return undefined;
}

function readEntry(doc: ConfigDocument, scope: Scope, entry: IniEntry): void {
  const spec = fieldByIni(scope.section, entry.name);
  const label = `${sectionLabel("ini", scope)} ${spec?.ini ?? entry.name} (line ${entry.line})`;
  if (!spec) {
    doc.ignored.push({ key: label, reason: unknownKeyReason(scope.section, entry.name) });
    return;
  }
  if (entry.value === undefined && spec.type !== "bool") {
    reject(doc, scope, spec, { key: label, message: "has no value", fix: `write ${spec.ini} = <value>` });
    return;
  }
  if (entry.cutByComment) {
    doc.warnings.push({
      key: label,
      message:
        "the value stops at ; or #, which start a comment; if that character belongs to the value, put the value in double quotes",
    });
  }
  setField(doc, scope, spec, entry.value ?? "true", label);
}

function unknownKeyReason(section: SectionName, name: string): string {
  const lower = name.toLowerCase();
  const known = IGNORED_KEYS[lower];
  if (known) return known;
  const elsewhere = FIELDS.find((x) => x.ini === lower);
  if (elsewhere) {
    const where = elsewhere.sections.map((s) => `[${SECTION_NAMES.ini[s]}]`).join(" or ");
    return `not read in [${SECTION_NAMES.ini[section]}]; it belongs in ${where}`;
  }
  const hint = suggest(
    lower,
    fieldsOf(section).map((x) => x.ini),
  );
  return `unknown key, ignored as upstream does${hint ? `; did you mean ${hint}?` : ""}`;
}

/** Upstream: without `server`, the section name is the vCenter's address. */
function defaultServerToName(doc: ConfigDocument, name: string, line: number): void {
  const scope: Scope = { section: "vcenter", name };
  const server = FIELDS.find((x) => x.name === "server");
  if (!server || doc.origins.has(originId(scope, "server"))) return;
  setField(doc, scope, server, name, `${sectionLabel("ini", scope)} (line ${line}; the name is the server)`);
}

/** The in-tree provider read [Global] datacenter when datacenters was empty; so do we, and say so. */
function readDatacenterAlias(doc: ConfigDocument, entry: IniEntry): void {
  const scope: Scope = { section: "global" };
  const label = `[Global] datacenter (line ${entry.line})`;
  const spec = FIELDS.find((x) => x.name === "datacenters");
  if (!spec) return;
  if (doc.global.datacenters !== undefined) {
    doc.ignored.push({
      key: label,
      reason: `deprecated in-tree key; ${labelOf(doc, scope, spec)} is set and takes precedence`,
    });
    return;
  }
  if (entry.value === undefined) {
    doc.problems.push({ key: label, message: "has no value", fix: "write datacenters = <names>" });
    return;
  }
  setField(doc, scope, spec, entry.value, label);
  doc.warnings.push({ key: label, message: "deprecated in-tree key, read as datacenters; rename it" });
}
