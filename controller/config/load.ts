// Loading the cloud config: detect the format, read it, apply the environment, resolve.
import { originId } from "./document.js";
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

/** Upstream's secrets directory when the config names none (DefaultSecretDirectory). */
export const DEFAULT_SECRETS_DIRECTORY = "/etc/cloud/secrets";

export interface LoadOptions {
  /**
   * Whether a directory exists (pass `existsSync` at run time): upstream's FromEnv uses
   * /etc/cloud/secrets when the config names no secrets directory and that one exists, and drops
   * a named one that does not exist. Without it the file alone counts.
   */
  exists?: (path: string) => boolean;
}

function secretsDirectory(doc: ConfigDocument, exists: (path: string) => boolean): void {
  const dir = doc.global.secretsDirectory;
  const key = doc.format === "ini" ? "[Global] secrets-directory" : "global.secretsDirectory";
  if (dir === undefined && exists(DEFAULT_SECRETS_DIRECTORY)) {
    doc.global.secretsDirectory = DEFAULT_SECRETS_DIRECTORY;
    doc.origins.set(originId({ section: "global" }, "secretsDirectory"), `${key} (default)`);
    doc.warnings.push({
      key,
      message: `is not set and ${DEFAULT_SECRETS_DIRECTORY} exists, so credentials are read from it, as upstream`,
    });
  } else if (dir !== undefined && !exists(dir)) {
    delete doc.global.secretsDirectory;
    doc.warnings.push({ key, message: `${dir} does not exist, so it is not used (as upstream)` });
  }
}

/**
 * The effective configuration of a cloud config in either format. With `env` (pass
 * `process.env`), upstream's VSPHERE_* overrides apply and the dual-stack gate is checked; without
 * it, the file alone counts. Throws one ConfigError listing every problem.
 */
export function loadConfig(text: string, env?: Env, opts: LoadOptions = {}): LoadedConfig {
  const parsed = parseConfig(text);
  const doc = env === undefined ? parsed : applyEnvOverrides(parsed, env);
  if (opts.exists) secretsDirectory(doc, opts.exists);
  const { config, warnings } = resolveWithWarnings(doc);
  return { config, format: doc.format, ignored: doc.ignored, warnings };
}
