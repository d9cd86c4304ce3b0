// Loading the cloud config: detect the format, read it, apply the environment, resolve.
import { applyEnvOverrides } from "./env.js";
import { ConfigError } from "./errors.js";
import { parseIniConfig } from "./ini-config.js";
import { resolveWithWarnings } from "./resolve.js";
import type { ConfigDocument, ConfigFormat, Env, LoadedConfig } from "./types.js";
import { parseYamlConfig } from "./yaml-config.js";

const INI_HEADER = /^\[\s*\p{L}[\p{L}\p{N}-]*(\s[^\]]*)?\]\s*([;#].*)?$/u;
const INI_KEY = /^\p{L}[\p{L}\p{N}-]*\s*(=|$)/u;

/**
 * The format of a cloud config, from its first line that is not blank or a comment: a section
 * header (`[Global]`, even a malformed `[VirtualCenter 10.0.0.1]`) or a bare `key = value` means
 * INI; anything else is YAML. Upstream instead tries YAML, then INI, and on failure reports both
 * parsers' errors; deciding first means the operator gets the errors of the format they wrote.
 * `undefined` when the text holds nothing.
 */
export function detectFormat(text: string): ConfigFormat | undefined {
  for (const raw of text.replace(/^\uFEFF/, "").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (INI_HEADER.test(line) && !line.includes(",")) return "ini";
    if (INI_KEY.test(line) && !line.split("=")[0].includes(":")) return "ini";
    return "yaml";
  }
  return undefined;
}

/** Reads a cloud config in either format into a document (no env, no validation beyond types). */
export function parseConfig(text: string): ConfigDocument {
  const format = detectFormat(text);
  if (format === undefined) {
    throw new ConfigError([
      {
        key: "the cloud config",
        message: "is empty",
        fix: "mount the cloud-config ConfigMap with at least a vCenter server (see docs/configuration.md)",
      },
    ]);
  }
  return format === "ini" ? parseIniConfig(text) : parseYamlConfig(text);
}

/**
 * The effective configuration of a cloud config in either format. With `env` (pass
 * `process.env`), upstream's VSPHERE_* overrides apply and the dual-stack gate is checked; without
 * it, the file alone counts. Throws one ConfigError listing every problem.
 */
export function loadConfig(text: string, env?: Env): LoadedConfig {
  const parsed = parseConfig(text);
  const doc = env === undefined ? parsed : applyEnvOverrides(parsed, env);
  const { config, warnings } = resolveWithWarnings(doc);
  return { config, format: doc.format, ignored: doc.ignored, warnings };
}
