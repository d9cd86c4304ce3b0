// How the vCenter providers reach vCenter: settings from the stack configuration the engine hands
// to the dynamic provider's `configure` (or, key by key, from the environment), and a connection
// opened for one provider operation and closed after it.
//
// This module runs in the dynamic-provider process (see provider.ts). It never logs, and no
// message it builds contains the password.
import { resolve } from "node:path";
import { VimFault } from "../../vsphere/errors.js";
import { RestClient } from "../../vsphere/rest/client.js";
import { VsphereSession } from "../../vsphere/session.js";
import { normalizeThumbprint, type TlsOptions } from "../../vsphere/tls.js";

/** What `configure` receives: Pulumi's view of the stack configuration (`get` by "namespace:key"). */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** The connection settings: stack config key and the environment variable used when it is unset. */
export const SETTING_KEYS = {
  server: { config: "vsphere:server", env: "VSPHERE_SERVER" },
  user: { config: "vsphere:user", env: "VSPHERE_USER" },
  password: { config: "vsphere:password", env: "VSPHERE_PASSWORD" },
  insecure: { config: "vsphere:insecure", env: "VSPHERE_INSECURE" },
  caFile: { config: "vsphere:caFile", env: "VSPHERE_CAFILE" },
  thumbprint: { config: "vsphere:thumbprint", env: "VSPHERE_THUMBPRINT" },
} as const;

export interface VcenterSettings {
  host: string;
  port: number;
  user: string;
  /** Plain text here (the dynamic provider sees secrets unwrapped); never logged or put in a message. */
  password: string;
  tls: TlsOptions;
}

/**
 * Parses "host", "host:port", "[v6]:port" or "https://host[:port][/sdk]" into host and port
 * (443 by default); undefined when it is none of those.
 */
export function parseServer(server: string): { host: string; port: number } | undefined {
  const text = server.trim();
  let url: URL;
  try {
    url = new URL(text.includes("://") ? text : `https://${text}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || !url.hostname || url.username || url.password) return undefined;
  if (url.pathname !== "/" && url.pathname !== "/sdk" && url.pathname !== "/sdk/") return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { host, port: url.port ? Number(url.port) : 443 };
}

/**
 * The connection settings from stack config, falling back to the environment key by key. Throws
 * one error listing every problem, each naming the config key and how to set it.
 */
export function resolveSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): VcenterSettings {
  const value = (k: keyof typeof SETTING_KEYS): string | undefined => {
    const { config: key, env: name } = SETTING_KEYS[k];
    const v = config?.get(key) ?? env[name];
    return v === undefined || v.trim() === "" ? undefined : v;
  };
  const problems: string[] = [];
  const missing = (k: keyof typeof SETTING_KEYS, example: string, secret = false) =>
    problems.push(
      `${SETTING_KEYS[k].config} is not set: run \`pulumi config set ${secret ? "--secret " : ""}${SETTING_KEYS[k].config} ${example}\`` +
        ` (or set ${SETTING_KEYS[k].env})`,
    );

  const server = value("server");
  const parsed = server === undefined ? undefined : parseServer(server);
  if (server === undefined) missing("server", "vcenter.example.com");
  else if (!parsed)
    problems.push(
      `${SETTING_KEYS.server.config} ${JSON.stringify(server)}: expected a host name, host:port or https://host[:port]/sdk`,
    );
  const user = value("user");
  if (user === undefined) missing("user", "'administrator@vsphere.local'");
  const password = value("password");
  if (password === undefined) missing("password", "<password>", true);

  const tls: TlsOptions = {};
  const insecure = value("insecure");
  if (insecure !== undefined) {
    if (insecure !== "true" && insecure !== "false")
      problems.push(`${SETTING_KEYS.insecure.config} ${JSON.stringify(insecure)}: expected true or false`);
    else tls.insecure = insecure === "true";
  }
  const caFile = value("caFile");
  // Relative to the project directory, which is the dynamic provider's working directory.
  if (caFile !== undefined) tls.caFile = resolve(caFile);
  const thumbprint = value("thumbprint");
  if (thumbprint !== undefined) {
    try {
      tls.thumbprint = normalizeThumbprint(thumbprint);
    } catch (err) {
      problems.push(`${SETTING_KEYS.thumbprint.config}: ${(err as Error).message}`);
    }
  }

  if (problems.length > 0 || !parsed || user === undefined || password === undefined) {
    throw new Error(`vCenter connection settings:\n  - ${problems.join("\n  - ")}`);
  }
  return { host: parsed.host, port: parsed.port, user, password, tls };
}

/**
 * A connection for one provider operation: a SOAP session and a REST tagging client, each opened
 * on first use and both closed (logged out) by `close`.
 */
export class VcenterConnection {
  private session?: Promise<VsphereSession>;
  private restClient?: RestClient;

  constructor(readonly settings: VcenterSettings) {}

  private get transport() {
    const { host, port, tls } = this.settings;
    // A certificate error names the stack settings the operator sets, not the client's options.
    const names = {
      caFile: SETTING_KEYS.caFile.config,
      thumbprint: SETTING_KEYS.thumbprint.config,
      insecure: `pulumi config set ${SETTING_KEYS.insecure.config} true`,
    };
    return { host, port, tls: { ...tls, names }, timeoutMs: 60_000 };
  }

  private get credentials() {
    const { user, password } = this.settings;
    return () => ({ username: user, password });
  }

  /** The SOAP session, logged in on first use. */
  soap(signal?: AbortSignal): Promise<VsphereSession> {
    this.session ??= VsphereSession.connect({ ...this.transport, credentials: this.credentials }, signal).catch(
      (err: unknown) => {
        throw loginError(this.settings, err);
      },
    );
    return this.session;
  }

  /** The REST (vAPI) tagging client; it logs in on its first call. */
  rest(): RestClient {
    this.restClient ??= RestClient.create({ ...this.transport, credentials: this.credentials });
    return this.restClient;
  }

  /** Logs out of whatever was opened (best effort). */
  async close(): Promise<void> {
    const session = this.session?.catch(() => undefined);
    await Promise.all([session?.then((s) => s?.close()), this.restClient?.close()]);
  }
}

function loginError(s: VcenterSettings, err: unknown): Error {
  const reason = err instanceof VimFault ? err.message : err instanceof Error ? err.message : String(err);
  return new Error(`vCenter ${s.host}:${s.port}: cannot log in as ${JSON.stringify(s.user)}: ${reason}`, {
    cause: err,
  });
}

/** Runs `use` with a fresh connection and closes it afterwards, whatever happens. */
export async function withVcenter<T>(
  settings: VcenterSettings,
  use: (vc: VcenterConnection) => Promise<T>,
): Promise<T> {
  const vc = new VcenterConnection(settings);
  try {
    return await use(vc);
  } finally {
    await vc.close();
  }
}
