// Loopback networking helpers for the engines: free ports and HTTPS probes trusting a given CA.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";

/** A port that is free on 127.0.0.1 right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export interface HttpsResult {
  status: number;
  body: string;
}

/** One HTTPS request to 127.0.0.1 trusting only `caFile`; times out after `timeoutMs`. */
export function httpsRequest(
  url: string,
  opts: { caFile: string; method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? "GET",
        headers: opts.headers,
        ca: readFileSync(opts.caFile),
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 5000} ms`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}
