import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import type { Authorizer } from "./http/auth.js";
import { parseFlags } from "./flags.js";
import { startServer } from "./http/server.js";
import { allowPaths, servingTls, sniMatches } from "./serving.js";
import { kubeConfig, RateLimitedKubeConfig, TokenBucket } from "./kube-config.js";

describe("secure serving flags", () => {
  it("matches SNI patterns as cliflag: exact names and one-label wildcards", () => {
    expect(sniMatches("example.com", "EXAMPLE.com")).toBe(true);
    expect(sniMatches("*.example.com", "a.example.com")).toBe(true);
    expect(sniMatches("*.example.com", "a.b.example.com")).toBe(false);
    expect(sniMatches("*.example.com", "example.com")).toBe(false);
  });

  it("passes the TLS flags to the server options", () => {
    const { flags } = parseFlags(["--tls-min-version=VersionTLS12", "--tls-curve-preferences=23"]);
    expect(servingTls(flags)).toEqual({ minVersion: "TLSv1.2", ecdhCurve: "P-256" });
    expect(servingTls(parseFlags([]).flags)).toEqual({});
  });

  it("names an unreadable --tls-sni-cert-key pair", () => {
    const { flags } = parseFlags(["--tls-sni-cert-key=/nonexistent/a.crt,/nonexistent/a.key"]);
    expect(() => servingTls(flags)).toThrow("--tls-sni-cert-key /nonexistent/a.crt,/nonexistent/a.key: cannot read it");
  });

  it("serves --authorization-always-allow-paths without asking, and asks for the rest", async () => {
    const asked: string[] = [];
    const inner: Authorizer = {
      check: (_a, path) => {
        asked.push(path);
        return Promise.resolve({ allowed: false, status: 401, reason: "bearer token required" });
      },
    };
    const auth = allowPaths(inner, ["/healthz", "/metrics*"]);
    expect(await auth.check(undefined, "/metrics/slis")).toEqual({ allowed: true, user: "" });
    expect(await auth.check(undefined, "/healthz")).toEqual({ allowed: true, user: "" });
    expect((await auth.check(undefined, "/other")).allowed).toBe(false);
    expect(asked).toEqual(["/other"]);
  });
});

describe("--kube-api-qps token bucket", () => {
  it("lets a burst through, then one request per 1/qps", async () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 3, () => now);
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
    // The bucket is empty: the next caller waits for a token (1 ms at 1000 qps).
    let done = false;
    const p = bucket.take().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    now = 1;
    await p;
    expect(done).toBe(true);
  });
});

describe("--master and --kube-api-qps", () => {
  it("--master overrides the server of the context in use; --kube-api-qps makes a rate-limited client", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kc-"));
    const file = join(dir, "kubeconfig");
    await writeFile(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: a, cluster: {server: 'https://127.0.0.1:6443'}}, {name: b, cluster: {server: 'https://127.0.0.1:7443'}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: a, context: {cluster: a, user: u}}]",
        "current-context: a",
      ].join("\n"),
    );
    try {
      const kc = kubeConfig(parseFlags(["--master=https://127.0.0.1:9443"]).flags, file, {});
      expect(kc.getCurrentCluster()?.server).toBe("https://127.0.0.1:9443");
      expect(kc.clusters.find((c) => c.name === "b")?.server).toBe("https://127.0.0.1:7443");
      expect(kubeConfig(parseFlags([]).flags, file, {}).getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");
      expect(kubeConfig(parseFlags(["--kube-api-qps=5"]).flags, file, {})).toBeInstanceOf(RateLimitedKubeConfig);
      expect(kubeConfig(parseFlags([]).flags, file, {})).not.toBeInstanceOf(RateLimitedKubeConfig);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the TLS flags on the secure port", () => {
  /** The protocol a client limited to `max` gets from the server, or the error's code. */
  const handshake = (port: number, max: "TLSv1.2" | "TLSv1.3") =>
    new Promise<string>((resolve) => {
      const s = connect({ host: "127.0.0.1", port, maxVersion: max, rejectUnauthorized: false }, () => {
        resolve(s.getProtocol() ?? "none");
        s.end();
      });
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });

  it("--tls-min-version=VersionTLS13 refuses a TLS 1.2 client and serves a TLS 1.3 one (positive control)", async () => {
    const { flags } = parseFlags(["--tls-min-version=VersionTLS13"]);
    const server = await startServer({
      bindAddress: "127.0.0.1",
      port: 0,
      tls: servingTls(flags),
      authorizer: { check: () => Promise.resolve({ allowed: true, user: "" }) },
      notReady: () => undefined,
      metrics: () => Promise.resolve({ contentType: "text/plain", body: "" }),
    });
    try {
      expect(await handshake(server.port, "TLSv1.3")).toBe("TLSv1.3");
      expect(await handshake(server.port, "TLSv1.2")).toMatch(/ERR_SSL|alert/i);
    } finally {
      await server.close();
    }
  });
});
