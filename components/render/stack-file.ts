// The stack config read straight from the stack's YAML file, for `npm run render`: rendering
// needs no backend, no login and no secrets provider. Secure values are never decrypted here;
// each becomes the placeholder that names it (secret-values.ts), or a value the caller supplies.
import { readFile } from "node:fs/promises";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { StackConfigSource } from "../stack-config.js";

/** The `config:` map of a stack file: `namespace:key` to a plain value or `{ secure: ... }`. */
export type StackFileConfig = Record<string, unknown>;

/** Reads `config:` from a stack file, with an error naming the file and the fix. */
export async function readStackFile(file: string): Promise<StackFileConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`stack config ${file}: cannot read it; check --stack, or pass --config-file`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`stack config ${file}: not valid YAML (${(err as Error).message.split("\n")[0]})`, {
      cause: err,
    });
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (config !== undefined && (config === null || typeof config !== "object" || Array.isArray(config)))
    throw new Error(`stack config ${file}: "config" must be a map of keys to values`);
  return (config ?? {}) as StackFileConfig;
}

const isSecure = (v: unknown): boolean => typeof v === "object" && v !== null && "secure" in v;

/**
 * A config source over a stack file's values for project `project`. `secret(key)` gives the
 * value of a secret key (a placeholder, or the real value when the caller fetched it).
 */
export function stackFileSource(
  config: StackFileConfig,
  project: string,
  secret: (key: string) => string,
): StackConfigSource {
  const value = (key: string): unknown => config[`${project}:${key}`];
  return {
    name: project,
    get: (key) => {
      const v = value(key);
      if (v === undefined || v === null || isSecure(v)) return undefined;
      // Like pulumi.Config.get: objects as JSON, scalars as text.
      return typeof v === "string" ? v : JSON.stringify(v);
    },
    getObject: <T>(key: string) => {
      const v = value(key);
      return v === undefined || v === null || isSecure(v) ? undefined : (v as T);
    },
    getBoolean: (key) => {
      const v = value(key);
      if (v === true || v === "true") return true;
      if (v === false || v === "false") return false;
      if (v === undefined || v === null) return undefined;
      throw new Error(`${project}:${key}: ${JSON.stringify(v)} is not true or false`);
    },
    // The secret keys are rendered whether or not the file holds them: a GitOps stack need not
    // keep the CCM's password in Pulumi at all.
    getSecret: (key) => pulumi.secret(secret(`${project}:${key}`)),
  };
}
