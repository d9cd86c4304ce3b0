import { describe, expect, it } from "vitest";
import type { Authorizer } from "./http/auth.js";
import { parseFlags } from "./flags.js";
import { allowPaths, servingTls, sniMatches } from "./serving.js";
import { TokenBucket } from "./kube-config.js";

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
