// Where each vCenter's login comes from, in upstream's order (connectionmanager.Connect): the
// user/password of the cloud config first; when vCenter rejects them (InvalidLogin), the entry's
// Secret or secrets directory, and from then on only that source, as upstream keeps the
// credentials it fetched. The source is read at every login (never cached across logins), so a
// rotated password in the Secret or the directory is used by the next login without a restart.
// Errors name the Secret or directory and the key to fix, never a value.
import { loadCredentialsDirectory, parseCredentials, type Credential, type VcenterConfig } from "../config/index.js";
import type { Logger } from "../log.js";
import type { CredentialSource, Credentials } from "../../vsphere/session.js";

/** Reads a Secret's data, base64-decoded; injected so this module needs no Kubernetes client. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string>>;

/** Where notes for the operator go (the controller's logger). */
export type CredentialLog = Pick<Logger, "info">;

/** Says each thing once per process, however many logins read the source. */
type Warn = (key: string, message: string) => void;

const SESSION_KEYS = { sessionManagerUrl: "vc-session-manager-url", sessionManagerToken: "vc-session-manager-token" };

function pick(creds: Map<string, Credential>, vc: VcenterConfig, where: string, warn: Warn): Credentials {
  // Keys are named after the server (upstream); the entry's name is accepted too.
  const prefix = creds.has(vc.name) ? vc.name : vc.server;
  const c = creds.get(prefix);
  // vCenter 8.0U3's shared session service (upstream's vc_shared_sessions.md) needs a client for
  // that service's token exchange, which this controller does not have: it logs in with a password.
  const sessionKeys = (Object.keys(SESSION_KEYS) as (keyof typeof SESSION_KEYS)[])
    .filter((field) => c?.[field] !== undefined)
    .map((field) => `${prefix}.${SESSION_KEYS[field]}`);
  if (!c?.user || !c.password) {
    const holds =
      sessionKeys.length > 0
        ? ` only ${sessionKeys.join(" and ")}, for vCenter's shared session service, which this controller does not support;`
        : "";
    throw new Error(
      `${where} has no credentials for vCenter ${JSON.stringify(vc.name)}:${holds} add the keys ` +
        `${vc.server}.username and ${vc.server}.password (or server_<id>/username_<id>/password_<id>)`,
    );
  }
  for (const key of sessionKeys) {
    warn(
      `${where} key ${JSON.stringify(key)}`,
      `vCenter's shared session service is not supported; the controller logs in with ` +
        `${prefix}.username and ${prefix}.password instead`,
    );
  }
  return { username: c.user, password: c.password };
}

/** Reads the entry's Secret or directory; undefined when the config is the only source. */
function sourceReader(
  vc: VcenterConfig,
  readSecret: SecretReader,
  warn: Warn,
): { where: string; read: () => Promise<Credentials> } | undefined {
  const src = vc.credentials;
  switch (src.kind) {
    case "config":
      return undefined;
    case "secret": {
      const where = `secret ${src.namespace}/${src.name}`;
      const read = async () => {
        let data: Record<string, string>;
        try {
          data = await readSecret(src.namespace, src.name);
        } catch (cause) {
          throw new Error(
            `${where}: cannot be read (${(cause as { code?: number }).code ?? "error"}); check it exists and the CCM's RBAC allows get`,
            { cause },
          );
        }
        return pick(parseCredentials(data, where), vc, where, warn);
      };
      return { where, read };
    }
    case "directory": {
      const where = `secrets directory ${src.path}`;
      return { where, read: async () => pick(await loadCredentialsDirectory(src.path), vc, where, warn) };
    }
    default: {
      const never: never = src;
      throw new Error(`unknown credential source ${JSON.stringify(never)}`);
    }
  }
}

const same = (a: Credentials, b: Credentials) => a.username === b.username && a.password === b.password;

/**
 * The credentials of one vCenter for every login of its SOAP session and REST client (share one
 * source between them, so both follow the switch to the Secret). See the module comment.
 */
export function credentialSource(vc: VcenterConfig, readSecret: SecretReader, log: CredentialLog): CredentialSource {
  const said = new Set<string>();
  const warn: Warn = (key, message) => {
    if (said.has(key)) return;
    said.add(key);
    log.info("vCenter credentials warning", { vcenter: vc.name, key, message });
  };
  const source = sourceReader(vc, readSecret, warn);
  const inline = vc.user && vc.password ? { username: vc.user, password: vc.password } : undefined;
  if (!source) {
    return () => {
      if (!inline) {
        throw new Error(
          `vCenter ${JSON.stringify(vc.name)}: no user/password in the config and no secretName or secretsDirectory to read them from`,
        );
      }
      // A rejection stands: there is nowhere else to look (the session sees the same answer).
      return inline;
    };
  }
  let inlineRejected = false;
  return async (attempt) => {
    if (inline && !inlineRejected) {
      if (!attempt) return inline;
      if (same(attempt.rejected, inline)) {
        inlineRejected = true;
        log.info("vCenter rejected the user and password of the cloud config; using the credentials source", {
          vcenter: vc.name,
          source: source.where,
        });
        try {
          return await source.read();
        } catch (err) {
          throw new Error(
            `vCenter ${JSON.stringify(vc.name)} rejected the user and password of the cloud config, and ${(err as Error).message}`,
            { cause: err },
          );
        }
      }
    }
    // The source's own credentials were rejected, or are the only ones: read it again, so a Secret
    // corrected meanwhile is tried at once (the same answer lets the rejection stand).
    return source.read();
  };
}
