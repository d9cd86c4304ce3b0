// A KubeConfig whose requests share keep-alive connections.
//
// @kubernetes/client-node 1.x builds a new https.Agent for every request (applySecurityAuthentication
// and applyToHTTPSOptions call createAgent each time), so every call pays a TCP and TLS handshake
// and leaves a socket behind: at 1,000 Nodes that was most of the controller's CPU and memory
// (bench/RESULTS.md). This subclass lets the library build its agent as usual, so TLS settings,
// client certificates and proxies keep their meaning, then swaps a plain http(s).Agent for a pooled
// keep-alive one with the same options. Agents the library builds for proxies are left alone.
//
// The library also reads the CA, client certificate and key files from disk for every request
// (applyHTTPSOptions), and the pool key hashed them each time: at 1,000 Nodes that was 6 % of the
// controller's CPU while initializing (bench/RESULTS.md, session 4 "Memory"). Their contents are now
// read at most once per FILE_TTL_MS (a rotated certificate is picked up within that time and
// makes a new pool, as before), and the key is reused while the options are the same objects.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

type RequestContextLike = { getAgent(): unknown; setAgent(agent: http.Agent): void };
type AgentWithOptions = http.Agent & { options?: Record<string, unknown> };

/** At most this many pools (one per distinct TLS identity); a rotated client cert makes a new one. */
const MAX_POOLS = 4;
/** A replaced pool is closed this long after its replacement, when its watches have moved on. */
const RETIRE_AFTER_MS = 10 * 60_000;
/** How long the CA, client certificate and key read from their files are reused. */
export const FILE_TTL_MS = 10_000;

type HttpsOptions = Record<string, unknown> & { headers?: Record<string, unknown> };
type ApplyHttpsOptions = (opts: HttpsOptions) => void;

export class PooledKubeConfig extends KubeConfig {
  private readonly pools = new Map<string, http.Agent>();
  /** Pools created (a test and the benchmark read it: 1 for a steady controller). */
  poolsCreated = 0;
  /** Connections the pools opened (TCP + TLS handshakes paid). */
  connectionsOpened = 0;
  /** Times the TLS files were read (a test reads it). */
  tlsFileReads = 0;
  private tlsCache?: { at: number; cluster: unknown; user: unknown; opts: HttpsOptions };
  private lastKey?: { options: Record<string, unknown>; key: string };

  constructor() {
    super();
    // applyHTTPSOptions (private in the library's types, called by both request paths) is where
    // the files are read; wrap this instance's, keeping the library's code for what it does.
    const self = this as unknown as { applyHTTPSOptions?: ApplyHttpsOptions };
    const read = self.applyHTTPSOptions;
    if (typeof read === "function") self.applyHTTPSOptions = (opts) => this.cachedHttpsOptions(opts, read);
  }

  private cachedHttpsOptions(opts: HttpsOptions, read: ApplyHttpsOptions): void {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    const now = Date.now();
    let c = this.tlsCache;
    if (!c || c.cluster !== cluster || c.user !== user || now - c.at >= FILE_TTL_MS) {
      const fresh: HttpsOptions = {};
      read.call(this, fresh);
      this.tlsFileReads++;
      c = this.tlsCache = { at: now, cluster, user, opts: fresh };
    }
    const { headers, ...rest } = c.opts;
    Object.assign(opts, rest);
    // The caller adds its Authorization header to this object: never share the cached one.
    if (headers) opts.headers = { ...(opts.headers ?? {}), ...headers };
  }

  override async applySecurityAuthentication(context: Parameters<KubeConfig["applySecurityAuthentication"]>[0]) {
    await super.applySecurityAuthentication(context);
    const ctx = context as unknown as RequestContextLike;
    const pooled = this.pooled(ctx.getAgent());
    if (pooled) ctx.setAgent(pooled);
  }

  override async applyToHTTPSOptions(opts: Parameters<KubeConfig["applyToHTTPSOptions"]>[0]) {
    await super.applyToHTTPSOptions(opts);
    const o = opts as { agent?: unknown };
    const pooled = this.pooled(o.agent);
    if (pooled) o.agent = pooled;
  }

  /** Closes every pooled connection (at shutdown). */
  closeConnections(): void {
    for (const a of this.pools.values()) a.destroy();
    this.pools.clear();
  }

  private pooled(agent: unknown): http.Agent | undefined {
    const isHttps = agent instanceof https.Agent && agent.constructor === https.Agent;
    const isHttp = !isHttps && agent instanceof http.Agent && agent.constructor === http.Agent;
    if (!isHttps && !isHttp) return undefined;
    const options = { ...((agent as AgentWithOptions).options ?? {}) };
    const key = `${isHttps ? "https" : "http"}:${this.fingerprintOf(options)}`;
    let pool = this.pools.get(key);
    if (pool) return pool;
    const settings = { ...options, keepAlive: true, scheduling: "lifo" as const };
    pool = isHttps ? new https.Agent(settings) : new http.Agent(settings);
    const connect = pool.createConnection.bind(pool);
    pool.createConnection = (...args: Parameters<typeof connect>) => {
      this.connectionsOpened++;
      return connect(...args);
    };
    this.pools.set(key, pool);
    this.poolsCreated++;
    if (this.pools.size > MAX_POOLS) {
      const [oldKey, old] = this.pools.entries().next().value as [string, http.Agent];
      this.pools.delete(oldKey);
      setTimeout(() => old.destroy(), RETIRE_AFTER_MS).unref();
    }
    return pool;
  }

  /** fingerprint(), reused while every option is the same value or the same object as last time. */
  private fingerprintOf(options: Record<string, unknown>): string {
    const last = this.lastKey;
    if (last && sameOptions(last.options, options)) return last.key;
    const key = fingerprint(options);
    this.lastKey = { options, key };
    return key;
  }
}

function sameOptions(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

/** A stable digest of agent options (CA, client cert and key included), never the key material itself. */
function fingerprint(options: Record<string, unknown>): string {
  const h = createHash("sha256");
  for (const k of Object.keys(options).sort()) {
    const v = options[k];
    if (v === undefined || v === null || k === "keepAlive" || k === "path") continue;
    h.update(k).update("\0");
    if (Buffer.isBuffer(v) || typeof v === "string") h.update(v);
    else if (Array.isArray(v)) for (const x of v) h.update(Buffer.isBuffer(x) ? x : String(x)).update("\0");
    else h.update(JSON.stringify(v) ?? typeof v);
    h.update("\0");
  }
  return h.digest("hex");
}
