// Where each vCenter's login comes from, read at every login (never cached across logins), so a
// rotated password in the Secret or the secrets directory is used by the next login without a
// restart. Errors name the Secret or directory and the key to fix, never a value.
import { loadCredentialsDirectory, parseCredentials, type Credential, type VcenterConfig } from "../config/index.js";
import type { CredentialSource, Credentials } from "../../vsphere/session.js";

/** Reads a Secret's data, base64-decoded; injected so this module needs no Kubernetes client. */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string>>;

function pick(creds: Map<string, Credential>, vc: VcenterConfig, where: string): Credentials {
  const c = creds.get(vc.name) ?? creds.get(vc.server);
  if (!c?.user || !c.password) {
    throw new Error(
      `${where} has no credentials for vCenter ${JSON.stringify(vc.name)}: add the keys ` +
        `${vc.server}.username and ${vc.server}.password (or server_<id>/username_<id>/password_<id>)`,
    );
  }
  return { username: c.user, password: c.password };
}

export function credentialSource(vc: VcenterConfig, readSecret: SecretReader): CredentialSource {
  const src = vc.credentials;
  switch (src.kind) {
    case "config":
      return () => {
        if (!vc.user || !vc.password) {
          throw new Error(
            `vCenter ${JSON.stringify(vc.name)}: no user/password in the config and no secretName or secretsDirectory to read them from`,
          );
        }
        return { username: vc.user, password: vc.password };
      };
    case "secret":
      return async () => {
        const where = `secret ${src.namespace}/${src.name}`;
        let data: Record<string, string>;
        try {
          data = await readSecret(src.namespace, src.name);
        } catch (cause) {
          throw new Error(
            `${where}: cannot be read (${(cause as { code?: number }).code ?? "error"}); check it exists and the CCM's RBAC allows get`,
            { cause },
          );
        }
        return pick(parseCredentials(data, where), vc, where);
      };
    case "directory":
      return async () => pick(await loadCredentialsDirectory(src.path), vc, `secrets directory ${src.path}`);
    default: {
      const never: never = src;
      throw new Error(`unknown credential source ${JSON.stringify(never)}`);
    }
  }
}
