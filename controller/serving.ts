// What the secure-serving and delegated-auth flags change on the secure port: TLS settings
// (--tls-min-version, --tls-cipher-suites, --tls-curve-preferences, --tls-sni-cert-key), the
// clients TokenReview and SubjectAccessReview use, and the paths served without a token
// (--authorization-always-allow-paths).
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContext, type SecureContextOptions } from "node:tls";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Authorizer } from "./http/auth.js";
import type { Flags } from "./flags.js";
import type { SniCertKey } from "./flag-values.js";

export type ServingTlsOptions = SecureContextOptions & {
  SNICallback?: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;
};

/** Whether a TLS server name matches a --tls-sni-cert-key pattern ("*.example.com" covers one label). */
export function sniMatches(pattern: string, servername: string): boolean {
  const p = pattern.toLowerCase();
  const s = servername.toLowerCase();
  if (!p.startsWith("*.")) return p === s;
  const rest = s.slice(s.indexOf(".") + 1);
  return s.includes(".") && rest === p.slice(2);
}

function sniContexts(keys: SniCertKey[], base: SecureContextOptions): { domains: string[]; ctx: SecureContext }[] {
  return keys.map((k) => {
    let cert: string;
    let key: string;
    try {
      cert = readFileSync(k.certFile, "utf8");
      key = readFileSync(k.keyFile, "utf8");
    } catch (err) {
      throw new Error(`--tls-sni-cert-key ${k.certFile},${k.keyFile}: cannot read it`, { cause: err });
    }
    // Without patterns the certificate's own names apply; the SAN list is read from the PEM.
    const domains = k.domains.length ? k.domains : certificateNames(cert);
    return { domains, ctx: createSecureContext({ ...base, cert, key }) };
  });
}

/** DNS names of a PEM certificate (subjectAltName, else its CN). */
function certificateNames(pem: string): string[] {
  const x = new X509Certificate(pem);
  const sans = (x.subjectAltName ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4));
  const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1];
  return sans.length ? sans : cn ? [cn] : [];
}

/** TLS options for the secure port's server from the flags (files read now). */
export function servingTls(flags: Flags): ServingTlsOptions {
  const t = flags.tls;
  const base: SecureContextOptions = {
    ...(t.minVersion ? { minVersion: t.minVersion } : {}),
    ...(t.ciphers ? { ciphers: t.ciphers } : {}),
    ...(t.ecdhCurve ? { ecdhCurve: t.ecdhCurve } : {}),
  };
  if (t.sniCertKeys.length === 0) return base;
  const named = sniContexts(t.sniCertKeys, base);
  return {
    ...base,
    SNICallback: (servername, cb) => {
      // The first matching pair wins, as cliflag's NamedCertKey order; otherwise the default cert.
      const hit = named.find((n) => n.domains.some((d) => sniMatches(d, servername)));
      cb(null, hit?.ctx);
    },
  };
}

/** An authorizer that serves --authorization-always-allow-paths without a token. */
export function allowPaths(inner: Authorizer, paths: readonly string[]): Authorizer {
  const exact = new Set(paths.filter((p) => !p.endsWith("*")));
  const prefixes = paths.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
  return {
    check: (authorization, path) =>
      exact.has(path) || prefixes.some((p) => path.startsWith(p))
        ? Promise.resolve({ allowed: true, user: "" })
        : inner.check(authorization, path),
  };
}

/** The clients for TokenReview and SubjectAccessReview: their flags' files, else the controller's. */
export function authClients(
  flags: Flags,
  own: KubeConfig,
  load: (file: string) => KubeConfig,
): { authn: KubeConfig; authz: KubeConfig } {
  return {
    authn: flags.authenticationKubeconfig ? load(flags.authenticationKubeconfig) : own,
    authz: flags.authorizationKubeconfig ? load(flags.authorizationKubeconfig) : own,
  };
}
