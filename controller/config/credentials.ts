// vCenter credentials from a Secret's data or a directory of files, in the two key forms upstream
// reads (pkg/common/credentialmanager):
//   <server>.username / <server>.password                  (also .vc-session-manager-url / -token)
//   server_<id> / username_<id> / password_<id>            (for IPv6 servers: ':' is not allowed in keys)
// Parsing is pure; `readSecretsDirectory` is the only I/O. Every problem is collected and thrown
// once, naming the key to add or fix and never a value other than a server address.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "./errors.js";
import type { ConfigProblem } from "./types.js";

export interface Credential {
  user?: string;
  password?: string;
  /** vCenter 8.0U3 shared session service (upstream's vc_shared_sessions.md); replaces user/password. */
  sessionManagerUrl?: string;
  sessionManagerToken?: string;
}

type Field = keyof Credential;

const DOTTED: Readonly<Record<string, Field>> = {
  username: "user",
  password: "password",
  "vc-session-manager-url": "sessionManagerUrl",
  "vc-session-manager-token": "sessionManagerToken",
};

const FORMS = "name keys <server>.username and <server>.password, or server_<id>, username_<id> and password_<id>";

interface Building {
  credential: Credential;
  /** The key each field came from, to name it in problems. */
  keys: Partial<Record<Field, string>>;
  /** How to name a missing key for this server. */
  keyFor: (field: "username" | "password") => string;
}

/**
 * Credentials per vCenter server from a Secret's data (values already base64-decoded) or the
 * files of a secrets directory. One trailing newline is dropped from each value (files written
 * with `echo`). Throws a ConfigError naming every missing, incomplete or unknown key.
 *
 * @param source how to name the data in messages, e.g. `secret kube-system/vsphere-credentials`.
 */
export function parseCredentials(
  data: Readonly<Record<string, string>>,
  source = "the credentials secret",
): Map<string, Credential> {
  const problems: ConfigProblem[] = [];
  const servers = new Map<string, Building>();
  const alternate = new Map<string, Partial<Record<"server" | "username" | "password", string>>>();
  const at = (key: string) => `${source} key ${JSON.stringify(key)}`;
  const value = (key: string) => (data[key] ?? "").replace(/\r?\n$/, "");
  const building = (server: string, keyFor: Building["keyFor"]): Building => {
    const b = servers.get(server) ?? { credential: {}, keys: {}, keyFor };
    servers.set(server, b);
    return b;
  };
  const put = (server: string, field: Field, key: string, keyFor: Building["keyFor"]) => {
    const b = building(server, keyFor);
    const previous = b.keys[field];
    if (previous !== undefined && value(previous) !== value(key)) {
      problems.push({
        key: at(key),
        message: `gives ${server} a different ${field} than key ${JSON.stringify(previous)}`,
        fix: "keep one of the two keys",
      });
    }
    b.credential[field] = value(key);
    b.keys[field] = key;
  };
  const keys = Object.keys(data).sort();
  if (keys.length === 0) problems.push({ key: source, message: "has no keys", fix: FORMS });
  for (const key of keys) {
    const dotted = /^(.+)\.(username|password|vc-session-manager-url|vc-session-manager-token)$/.exec(key);
    const alt = /^(server|username|password)_(.*)$/.exec(key);
    if (dotted) put(dotted[1], DOTTED[dotted[2]], key, (f) => `${dotted[1]}.${f}`);
    else if (alt && alt[2] === "") {
      problems.push({
        key: at(key),
        message: "has no id after the underscore",
        fix: `write ${alt[1]}_<id>, e.g. ${alt[1]}_vc1`,
      });
    } else if (alt) {
      const parts = alternate.get(alt[2]) ?? {};
      parts[alt[1] as "server" | "username" | "password"] = key;
      alternate.set(alt[2], parts);
    } else problems.push({ key: at(key), message: "is not a credentials key", fix: `${FORMS}; remove other keys` });
  }
  for (const [id, parts] of alternate) {
    const server = parts.server === undefined ? "" : value(parts.server).trim();
    if (server === "") {
      for (const key of [parts.username, parts.password].filter((k) => k !== undefined)) {
        problems.push({
          key: at(key),
          message: parts.server === undefined ? `has no matching server_${id}` : `server_${id} is empty`,
          fix: `add server_${id} with the vCenter's address`,
        });
      }
      continue;
    }
    const keyFor = (f: "username" | "password") => `${f}_${id}`;
    building(server, keyFor);
    if (parts.username !== undefined) put(server, "user", parts.username, keyFor);
    if (parts.password !== undefined) put(server, "password", parts.password, keyFor);
  }
  const out = new Map<string, Credential>();
  for (const [server, b] of servers) {
    const c = b.credential;
    if (!c.sessionManagerUrl) {
      if (!c.user) problems.push(missing(at(b.keyFor("username")), server));
      if (!c.password) problems.push(missing(at(b.keyFor("password")), server));
    }
    out.set(server, c);
  }
  if (problems.length > 0) {
    const secrets = [...servers.values()].flatMap((b) => [b.credential.password, b.credential.sessionManagerToken]);
    throw new ConfigError(problems, { secrets: secrets.filter((s) => s !== undefined), subject: source });
  }
  return out;
}

function missing(key: string, server: string): ConfigProblem {
  return { key, message: `is missing, so ${server} has incomplete credentials`, fix: "add it" };
}

/**
 * The files of a secrets directory as a Secret's data: file name → contents. Kubernetes' own
 * entries in mounted volumes (`..data`, `..2024_...`) and subdirectories are skipped; symlinks
 * (how mounted Secrets appear) are followed.
 */
export async function readSecretsDirectory(
  dir: string,
  opts: { signal?: AbortSignal } = {},
): Promise<Record<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new ConfigError(
      [
        {
          key: `secrets directory ${dir}`,
          message: `cannot be read (${(cause as NodeJS.ErrnoException).code ?? "error"})`,
          fix: "mount the credentials there, or correct global.secretsDirectory",
        },
      ],
      { cause },
    );
  }
  const data: Record<string, string> = {};
  for (const name of names.sort()) {
    if (name.startsWith("..")) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined); // a dangling link: not a credential
    if (!info?.isFile()) continue;
    data[name] = await readFile(path, { encoding: "utf8", signal: opts.signal });
  }
  return data;
}

/** `parseCredentials` over `readSecretsDirectory`. */
export async function loadCredentialsDirectory(
  dir: string,
  opts: { signal?: AbortSignal } = {},
): Promise<Map<string, Credential>> {
  return parseCredentials(await readSecretsDirectory(dir, opts), `secrets directory ${dir}`);
}
