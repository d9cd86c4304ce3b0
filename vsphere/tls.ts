// TLS policy for vCenter connections: verify against the system roots or a CA bundle by default,
// or pin the certificate's thumbprint (SHA-1 or SHA-256, any case, with or without colons), or
// skip verification when explicitly told to.
import { readFileSync } from "node:fs";
import { connect, type PeerCertificate, type TLSSocket } from "node:tls";
import { TlsVerificationError } from "./errors.js";

export interface TlsOptions {
  /** PEM CA bundle file trusted instead of the system roots. */
  caFile?: string;
  /** PEM CA bundle contents (alternative to caFile). */
  ca?: string;
  /** Expected certificate thumbprint: SHA-1 (40 hex) or SHA-256 (64 hex), colons optional. */
  thumbprint?: string;
  /** Accept any certificate. Only for labs; logs say so. */
  insecure?: boolean;
  /** How the operator spells these settings where they come from, so errors name the right keys. */
  names?: TlsSettingNames;
}

/**
 * The caller's names of the TLS settings: the cloud config's keys (YAML `caFile`, INI `ca-file`),
 * the Pulumi stack's (`vsphere:caFile`). `insecure` is the whole setting that turns checks off,
 * value included (`insecureFlag: true`), as the fix an error suggests.
 */
export interface TlsSettingNames {
  caFile: string;
  thumbprint: string;
  insecure: string;
}

export function normalizeThumbprint(t: string): string {
  const hex = t.replace(/[:\s-]/g, "").toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(hex) && !/^[0-9A-F]{64}$/.test(hex)) {
    throw new Error(
      `thumbprint ${JSON.stringify(t)}: expected a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) fingerprint, colons optional`,
    );
  }
  return hex;
}

const colonHex = (hex: string) => hex.match(/../g)?.join(":") ?? hex;

export function presentedThumbprints(cert: PeerCertificate | undefined): { sha1: string; sha256: string } | undefined {
  if (!cert || !cert.fingerprint) return undefined;
  return { sha1: cert.fingerprint.toUpperCase(), sha256: cert.fingerprint256.toUpperCase() };
}

export function thumbprintMatches(expected: string, cert: PeerCertificate): boolean {
  const want = normalizeThumbprint(expected);
  const p = presentedThumbprints(cert);
  if (!p) return false;
  return want === p.sha1.replace(/:/g, "") || want === p.sha256.replace(/:/g, "");
}

/** Options for https.Agent / tls.connect implementing the policy (thumbprints are checked per socket). */
export function agentTlsOptions(tls: TlsOptions): { ca?: string | Buffer; rejectUnauthorized: boolean } {
  if (tls.insecure || tls.thumbprint) {
    if (tls.thumbprint) normalizeThumbprint(tls.thumbprint); // fail early on a malformed value
    return { rejectUnauthorized: false };
  }
  if (tls.caFile) {
    try {
      return { ca: readFileSync(tls.caFile), rejectUnauthorized: true };
    } catch (cause) {
      const key = tls.names?.caFile ?? "caFile";
      throw new Error(`${key} ${JSON.stringify(tls.caFile)}: cannot read the CA bundle`, { cause });
    }
  }
  if (tls.ca) return { ca: tls.ca, rejectUnauthorized: true };
  return { rejectUnauthorized: true };
}

/** Checks a connected socket against a pinned thumbprint; returns the error to fail with, if any. */
export function checkPinned(tls: TlsOptions, socket: TLSSocket, host: string): TlsVerificationError | undefined {
  if (!tls.thumbprint) return undefined;
  const cert = socket.getPeerCertificate();
  if (thumbprintMatches(tls.thumbprint, cert)) return undefined;
  const p = presentedThumbprints(cert);
  return new TlsVerificationError(
    `TLS: the certificate of ${host} does not match the pinned thumbprint; it presented SHA-1 ${p?.sha1 ?? "?"} ` +
      `(SHA-256 ${p?.sha256 ?? "?"}). If that is the right server, pin that value` +
      `${tls.names ? ` (${tls.names.thumbprint})` : ""}.`,
    p,
  );
}

/** Fetches the certificate a server presents, without trusting it, to explain a verification failure. */
export function fetchPresentedThumbprints(
  host: string,
  port: number,
  timeoutMs = 3000,
): Promise<{ sha1: string; sha256: string } | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host, port, rejectUnauthorized: false, servername: isIp(host) ? undefined : host });
    const done = (v: { sha1: string; sha256: string } | undefined) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(undefined));
    s.once("secureConnect", () => done(presentedThumbprints(s.getPeerCertificate())));
    s.once("error", () => done(undefined));
  });
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(":");

/**
 * Turns a Node TLS verification error into one that names the presented thumbprints and the three
 * ways out, by the settings' names when the caller gave them.
 */
export async function explainTlsFailure(
  host: string,
  port: number,
  cause: Error,
  names?: TlsSettingNames,
): Promise<TlsVerificationError> {
  const p = await fetchPresentedThumbprints(host, port);
  const shown = p ? `; it presented SHA-1 ${p.sha1} (SHA-256 ${p.sha256})` : "";
  return new TlsVerificationError(
    `TLS: cannot verify the certificate of ${host}:${port} (${cause.message})${shown}. ${tlsFixes(names)}`,
    p,
    { cause },
  );
}

/** The fix a verification failure suggests, naming the operator's settings when known. */
export function tlsFixes(names?: TlsSettingNames): string {
  const n = (name: string | undefined) => (name ? ` (${name})` : "");
  return (
    `Trust its CA${n(names?.caFile)}, pin its thumbprint${n(names?.thumbprint)}, ` +
    `or, for a lab only, turn verification off${n(names?.insecure)}.`
  );
}

export const TLS_VERIFY_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
]);

export { colonHex };
