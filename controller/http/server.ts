// The CCM's secure port: HTTPS with /healthz and /readyz open and /metrics behind delegated
// authentication and authorization. A certificate is generated at start unless one is given.
import { readFileSync } from "node:fs";
import { createServer, type Server, type ServerOptions as HttpsOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { selfSignedCertificate } from "./self-signed.js";
import type { Authorizer } from "./auth.js";

export interface ServerOptions {
  bindAddress: string;
  port: number;
  certFile?: string;
  keyFile?: string;
  authorizer: Authorizer;
  /** TLS settings from the secure-serving flags (min version, ciphers, curves, SNI). */
  tls?: HttpsOptions;
  /** Readiness: undefined when ready, else the reason (e.g. "inventory of vc1 not synced"). */
  notReady(): string | undefined;
  metrics(): Promise<{ contentType: string; body: string }>;
  onError?: (err: unknown) => void;
}

function certificate(opts: ServerOptions): { cert: string; key: string } {
  if (opts.certFile && opts.keyFile) {
    return { cert: readFileSync(opts.certFile, "utf8"), key: readFileSync(opts.keyFile, "utf8") };
  }
  return selfSignedCertificate();
}

export async function startServer(
  opts: ServerOptions,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const { cert, key } = certificate(opts);
  const server = createServer({ ...opts.tls, cert, key }, (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "Content-Type": type }).end(body);
    };
    if (req.method !== "GET") return send(405, "method not allowed\n");
    if (path === "/healthz" || path === "/livez") return send(200, "ok");
    if (path === "/readyz") {
      const why = opts.notReady();
      return why ? send(503, `not ready: ${why}\n`) : send(200, "ok");
    }
    if (path === "/metrics") {
      const gone = new AbortController();
      res.once("close", () => gone.abort());
      opts.authorizer
        .check(req.headers.authorization, path, gone.signal)
        .then(async (r) => {
          if (!r.allowed) return send(r.status, `${r.reason}\n`);
          const m = await opts.metrics();
          send(200, m.body, m.contentType);
        })
        .catch((err: unknown) => {
          if (gone.signal.aborted) return;
          opts.onError?.(err);
          send(500, "authorization check failed\n");
        });
      return;
    }
    send(404, "not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.bindAddress, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
