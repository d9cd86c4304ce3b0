// Building a ConfigDocument: one setter shared by the YAML parser, the INI parser and the env
// overrides, so values are typed, traced to where they were written, and checked the same way.
import type { FieldSpec } from "./schema.js";
import { SECTION_NAMES } from "./schema.js";
import type { ConfigDocument, ConfigFormat, ConfigProblem, Scope } from "./types.js";
import { coerce } from "./values.js";

export function emptyDocument(format: ConfigFormat): ConfigDocument {
  return {
    format,
    global: {},
    vcenter: new Map(),
    labels: {},
    nodes: {},
    origins: new Map(),
    ignored: [],
    warnings: [],
    problems: [],
    rejected: new Set(),
  };
}

/** A deep copy, so env overrides never change the parser's result. */
export function cloneDocument(doc: ConfigDocument): ConfigDocument {
  return {
    format: doc.format,
    global: structuredClone(doc.global),
    vcenter: new Map([...doc.vcenter].map(([k, v]) => [k, structuredClone(v)])),
    labels: { ...doc.labels },
    nodes: structuredClone(doc.nodes),
    origins: new Map(doc.origins),
    ignored: [...doc.ignored],
    warnings: [...doc.warnings],
    problems: [...doc.problems],
    rejected: new Set(doc.rejected),
  };
}

export function originId(scope: Scope, field: string): string {
  return scope.section === "vcenter" ? `vcenter\u0000${scope.name}\u0000${field}` : `${scope.section}\u0000${field}`;
}

const plainName = (name: string) => /^[A-Za-z0-9_-]+$/.test(name);

/** How the operator would name a section in their format: `vcenter."10.0.0.1"`, `[VirtualCenter "10.0.0.1"]`. */
export function sectionLabel(format: ConfigFormat, scope: Scope): string {
  if (format === "ini") {
    const head = SECTION_NAMES.ini[scope.section];
    return scope.section === "vcenter" ? `[${head} ${JSON.stringify(scope.name)}]` : `[${head}]`;
  }
  const head = SECTION_NAMES.yaml[scope.section];
  if (scope.section !== "vcenter") return head;
  return `${head}.${plainName(scope.name) ? scope.name : JSON.stringify(scope.name)}`;
}

/** A key in the operator's format, without line: `global.port`, `[Global] insecure-flag`. */
export function keyLabel(format: ConfigFormat, scope: Scope, spec: FieldSpec): string {
  const section = sectionLabel(format, scope);
  return format === "ini" ? `${section} ${spec.ini}` : `${section}.${spec.yaml}`;
}

/** The label of a value that is set (where it was written), or of the key it would be written as. */
export function labelOf(doc: ConfigDocument, scope: Scope, spec: FieldSpec): string {
  return doc.origins.get(originId(scope, spec.name)) ?? keyLabel(doc.format, scope, spec);
}

/** The settings object of a scope, created for a vCenter entry on first use. */
export function settingsOf(doc: ConfigDocument, scope: Scope): Record<string, unknown> {
  switch (scope.section) {
    case "global":
      return doc.global as Record<string, unknown>;
    case "labels":
      return doc.labels as Record<string, unknown>;
    case "nodes":
      return doc.nodes as Record<string, unknown>;
    case "vcenter": {
      let entry = doc.vcenter.get(scope.name);
      if (!entry) {
        entry = {};
        doc.vcenter.set(scope.name, entry);
      }
      return entry as Record<string, unknown>;
    }
  }
}

/**
 * Types `raw` and stores it under `spec` in `scope`, remembering `label` as its origin. A bad value
 * becomes a problem naming `label`; setting a value twice in one file warns (the last one wins, as in gcfg).
 */
export function setField(
  doc: ConfigDocument,
  scope: Scope,
  spec: FieldSpec,
  raw: string | readonly string[],
  label: string,
  opts: { override?: boolean } = {},
): void {
  const settings = settingsOf(doc, scope);
  const id = originId(scope, spec.name);
  const previous = doc.origins.get(id);
  if (previous !== undefined && !opts.override) {
    doc.warnings.push({ key: label, message: `also set at ${previous}; this later value is used` });
  }
  const result = coerce(spec, raw);
  if (result === undefined) {
    delete settings[spec.name];
    doc.origins.delete(id);
    return;
  }
  if (!result.ok) {
    reject(doc, scope, spec, { key: label, message: result.message, fix: result.fix });
    return;
  }
  settings[spec.name] = result.value;
  doc.origins.set(id, label);
}

/** Records a problem with a given value; the key then counts as given (not also "missing"). */
export function reject(doc: ConfigDocument, scope: Scope, spec: FieldSpec, problem: ConfigProblem): void {
  doc.problems.push(problem);
  doc.rejected.add(originId(scope, spec.name));
}

/** Closest known name, for "did you mean" hints; undefined if nothing is close. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  const n = name.toLowerCase().replace(/[-_]/g, "");
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(n, k.toLowerCase().replace(/[-_]/g, ""));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}
