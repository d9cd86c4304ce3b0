// The HTTPS transport shared by the SOAP and REST clients: one keep-alive agent per vCenter,
// the TLS policy, a timeout and an AbortSignal on every request, bounded retries with backoff
// for connection-level failures only, and call accounting.
import { Agent, request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";
import { TransportError } from "./errors.js";
import { CallStats } from "./stats.js";
import { agentTlsOptions, checkPinned, explainTlsFailure, TLS_VERIFY_CODES, type TlsOptions } from "./tls.js";

export const USER_AGENT = "vsphere-cloud-provider-ts/0.1.0";

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per-request timeout; defaults to the transport's. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Name under which the call is counted, e.g. "RetrievePropertiesEx". */
  label: string;
  api: "soap" | "rest";
  /** Retry connection failures (safe for reads and idempotent writes). */
  retry?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TransportOptions {
  host: string;
  port?: number;
  tls?: TlsOptions;
  timeoutMs?: number;
  /** Attempts for retryable transport failures (1 = no retry). */
  attempts?: number;
  /** First backoff; doubles each attempt. */
  backoffMs?: number;
  stats?: CallStats;
}

export class HttpTransport {
  readonly host: string;
  readonly port: number;
  readonly stats: CallStats;
  private readonly agent: Agent;
  private readonly tls: TlsOptions;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(opts: TransportOptions) {
    this.host = opts.host;
    this.port = opts.port ?? 443;
    this.tls = opts.tls ?? {};
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.attempts = Math.max(1, opts.attempts ?? 3);
    this.backoffMs = opts.backoffMs ?? 200;
    this.stats = opts.stats ?? new CallStats();
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 8,
      ...(this.tls.thumbprint ? { maxCachedSessions: 0 } : {}),
      ...agentTlsOptions(this.tls),
    });
  }

  get origin(): string {
    return `https://${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const attempts = req.retry === false ? 1 : this.attempts;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const res = await this.once(req);
        this.stats.record(req.api, req.label, performance.now() - started, res.status < 400);
        return res;
      } catch (err) {
        this.stats.record(req.api, req.label, performance.now() - started, false);
        const retryable = err instanceof TransportError && err.retryable && !req.signal?.aborted;
        if (!retryable || attempt >= attempts) throw err;
        await sleep(this.backoffMs * 2 ** (attempt - 1), undefined, { signal: req.signal }).catch(() => {});
      }
    }
  }

  private once(req: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    return new Promise<HttpResponse>((resolve, reject) => {
      if (req.signal?.aborted) return reject(new TransportError(`${req.label}: aborted`, "aborted"));
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        r.destroy();
        reject(e);
      };
      const r = request(
        {
          host: this.host,
          port: this.port,
          method: req.method,
          path: req.path,
          agent: this.agent,
          headers: { "User-Agent": USER_AGENT, ...req.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) =>
            fail(new TransportError(`${req.label}: response stream failed: ${e.message}`, "connect", { cause: e })),
          );
          res.on("aborted", () => fail(new TransportError(`${req.label}: connection closed mid-response`, "connect")));
          res.on("end", () => {
            if (settled) return;
            if (!res.complete) return fail(new TransportError(`${req.label}: truncated response`, "connect"));
            settled = true;
            clearTimeout(timer);
            req.signal?.removeEventListener("abort", onAbort);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            });
          });
        },
      );
      const timer = setTimeout(
        () =>
          fail(
            new TransportError(
              `${req.label}: no answer from ${this.host}:${this.port} within ${timeoutMs} ms`,
              "timeout",
            ),
          ),
        timeoutMs,
      );
      const onAbort = () => fail(new TransportError(`${req.label}: aborted`, "aborted"));
      req.signal?.addEventListener("abort", onAbort, { once: true });
      r.on("socket", (s) => {
        if (!this.tls.thumbprint) return;
        const sock = s as TLSSocket;
        const verify = () => {
          const e = checkPinned(this.tls, sock, `${this.host}:${this.port}`);
          if (e) fail(e);
        };
        // A new socket is checked once its handshake completes; a reused keep-alive socket
        // was checked then and still carries its certificate (sessions are not resumed while
        // pinning, since a resumed TLS session presents no certificate to check).
        if (sock.connecting) sock.once("secureConnect", verify);
        else verify();
      });
      r.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        req.signal?.removeEventListener("abort", onAbort);
        if (settled) return;
        if (e.code && TLS_VERIFY_CODES.has(e.code)) {
          settled = true;
          void explainTlsFailure(this.host, this.port, e, this.tls.names).then(reject);
          return;
        }
        fail(
          new TransportError(
            `${req.label}: cannot reach ${this.host}:${this.port}: ${e.code ?? e.message}`,
            "connect",
            { cause: e },
          ),
        );
      });
      r.on("close", () => clearTimeout(timer));
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
