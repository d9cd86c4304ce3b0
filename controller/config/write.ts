// Writing configuration as upstream's YAML: the effective config (`toYaml`), and an INI file
// converted with its structure kept (`migrateIni`), so global defaults stay global.
import { Document } from "yaml";
import { ConfigError } from "./errors.js";
import { parseIniConfig } from "./ini-config.js";
import { detectFormat } from "./load.js";
import { resolveWithWarnings } from "./resolve.js";
import { fieldsOf, type FieldSpec, type SectionName } from "./schema.js";
import type { Config, ConfigDocument, ConfigWarning, IgnoredKey } from "./types.js";

export interface MigrateResult {
  /** The same configuration in upstream's YAML format. */
  yaml: string;
  /** Keys and sections not carried over, with why. */
  dropped: IgnoredKey[];
  /** Advice about the INI file (deprecated names, values cut at a comment character, ...). */
  warnings: ConfigWarning[];
}

const MIGRATED_HEADER =
  "# Converted from an INI vsphere.conf by migrate-config.\n" +
  "# Keys the controller does not use were left out; the command lists them with the reasons.\n";

/**
 * Converts a legacy INI vsphere.conf to YAML. The INI must load (it is resolved first, so its
 * problems are thrown as a ConfigError); the result then loads to the same effective config.
 */
export function migrateIni(text: string): MigrateResult {
  if (detectFormat(text) === "yaml") {
    throw new ConfigError([
      {
        key: "the cloud config",
        message: "is already YAML",
        fix: "nothing to migrate; the controller reads it as it is",
      },
    ]);
  }
  const doc = parseIniConfig(text);
  const { warnings } = resolveWithWarnings(doc);
  return { yaml: MIGRATED_HEADER + documentToYaml(doc), dropped: doc.ignored, warnings };
}

/** A document's settings as upstream's YAML; unset keys are left out, so inheritance is kept. */
export function documentToYaml(doc: ConfigDocument): string {
  const vcenter = Object.fromEntries([...doc.vcenter].map(([name, s]) => [name, section("vcenter", s)]));
  return stringify({
    global: section("global", doc.global),
    vcenter,
    labels: section("labels", doc.labels),
    nodes: section("nodes", doc.nodes),
  });
}

/**
 * The effective configuration as upstream's YAML, every vCenter entry spelled out, so that
 * `loadConfig(toYaml(c)).config` equals `c`. Contains the passwords the config holds.
 */
export function toYaml(config: Config): string {
  const vcenter = Object.fromEntries(
    Object.values(config.vcenter).map((vc) => {
      const { credentials, secretName, secretNamespace, ...rest } = vc;
      const own = credentials.kind === "secret" && credentials.scope === "vcenter";
      const settings = { ...rest, ...(own ? { secretName, secretNamespace } : {}) };
      return [vc.name, section("vcenter", settings)];
    }),
  );
  return stringify({
    global: section("global", config.global),
    vcenter,
    labels: section("labels", config.labels),
    nodes: section("nodes", config.nodes),
  });
}

/** The config with passwords replaced, for logs and `describe`-style output. */
export function redactConfig(config: Config): Config {
  const hide = <T extends { password?: string }>(o: T): T =>
    o.password === undefined ? o : { ...o, password: "<redacted>" };
  return {
    ...config,
    global: hide(config.global),
    vcenter: Object.fromEntries(Object.entries(config.vcenter).map(([k, v]) => [k, hide(v)])),
  };
}

function section(name: SectionName, settings: object): Record<string, unknown> {
  const values = settings as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const spec of fieldsOf(name)) {
    const v = values[spec.name];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[spec.yaml] = yamlValue(spec, v);
  }
  return out;
}

/** Upstream's YAML types: CIDR lists are one comma-separated string there, datacenters and ipFamily are lists. */
function yamlValue(spec: FieldSpec, v: unknown): unknown {
  return spec.type === "cidrs" && Array.isArray(v) ? v.join(",") : v;
}

function stringify(sections: Record<string, Record<string, unknown>>): string {
  const nonEmpty = Object.fromEntries(Object.entries(sections).filter(([, v]) => Object.keys(v).length > 0));
  // YAML 1.1, as upstream reads it: strings such as "yes", "on" or "0443" come out quoted.
  return new Document(nonEmpty, { version: "1.1" }).toString({ lineWidth: 0 });
}
