// A counting HTTPS proxy on 127.0.0.1 in front of vcsim, so two CCMs (ours and upstream's Go one)
// are charged for vCenter calls the same way: one count per HTTP request, by SOAP method (the
// Body's first element) or REST method and path (ids folded). It terminates TLS with a
// certificate of the environment's CA (which both CCMs trust through the cloud config's caFile)
// and forwards each request to vcsim over a keep-alive connection.
import { Agent, createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";

export interface CountingProxy {
  port: number;
  /** Requests per "soap:Method" / "rest:VERB path". */
  counts(): Record<string, number>;
  total(): number;
  close(): Promise<void>;
}

/** What a request is, in the vsphere_ccm_vcenter_calls_total vocabulary. */
export function classify(method: string, url: string, body: string): string {
  const soap = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?([A-Za-z_]\w*)/.exec(body);
  if (soap) return `soap:${soap[1]}`;
  const path = url
    .split("?")[0]
    .replace(/^\/(rest|api)\//, "")
    .replace(/urn:[^/]+/g, "{id}");
  const action = /[?&]~?action=([\w-]+)/.exec(url)?.[1];
  return `rest:${method} ${path}${action ? `?~action=${action}` : ""}`;
}

export async function startCountingProxy(
  target: { host: string; port: number; caFile: string },
  tls: { cert: string; key: string },
): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const agent = new Agent({ keepAlive: true, ca: readFileSync(target.caFile) });
  const server: Server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const key = classify(req.method ?? "GET", req.url ?? "/", body.toString("utf8", 0, 4096));
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const headers = { ...req.headers, host: `${target.host}:${target.port}` };
      const up = request(
        { host: target.host, port: target.port, method: req.method, path: req.url, headers, agent },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on("error", (err) => {
        res.writeHead(502).end(`proxy: ${err.message}`);
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts: () => Object.fromEntries(counts),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
