// Value syntaxes of upstream's flags, as pflag and component-base parse them: Go durations,
// strconv.ParseBool, string slices, key=value maps, the TLS names of cliflag, and label keys
// checked as apimachinery's IsQualifiedName does for --node-labels.

// Go accepts both micro signs: U+00B5 and U+03BC. Written as escapes: one non-ASCII character in
// the bundle makes V8 hold its whole source as a two-byte string (2.7 MB more; controller/build.ts).
const UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  "\u00b5s": 1e-6,
  "\u03bcs": 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Go's time.ParseDuration, in seconds: "90s", "1m30s", "1.5h", "300ms", "0". */
export function parseDuration(v: string): number {
  const s = v.trim();
  if (/^[-+]?0$/.test(s)) return 0;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/.exec(s);
  if (!m) throw new Error("expected a duration such as 15s, 1m30s or 300ms");
  let total = 0;
  for (const part of s.replace(/^[-+]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNITS[part[2]];
  }
  return m[1] === "-" ? -total : total;
}

/** strconv.ParseBool. */
export function parseBool(v: string): boolean {
  if (/^(1|t|T|TRUE|true|True)$/.test(v)) return true;
  if (/^(0|f|F|FALSE|false|False)$/.test(v)) return false;
  throw new Error("expected true or false");
}

export function parseList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** pflag StringToString: "k=v,k2=v2" (a value may be empty). */
export function parseMap(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of parseList(v)) {
    const i = part.indexOf("=");
    if (i <= 0) throw new Error(`${JSON.stringify(part)} is not key=value`);
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** apimachinery validation.IsQualifiedName: "name" or "dns.prefix/name"; the problems, or []. */
export function qualifiedNameProblems(key: string): string[] {
  const parts = key.split("/");
  if (parts.length > 2) return ["a qualified name has at most one '/' (prefix/name)"];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  const out: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) out.push("the prefix part must not be empty");
    else if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))
      out.push("the prefix part must be a lowercase DNS subdomain (e.g. example.com)");
  }
  if (name.length === 0) out.push("the name part must not be empty");
  else if (name.length > 63) out.push("the name part must be at most 63 characters");
  else if (!NAME.test(name))
    out.push(
      "the name part must be alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric",
    );
  return out;
}

/** cliflag TLS versions, as Node.js names them. */
const TLS_VERSIONS: Record<string, "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"> = {
  VersionTLS10: "TLSv1",
  VersionTLS11: "TLSv1.1",
  VersionTLS12: "TLSv1.2",
  VersionTLS13: "TLSv1.3",
};

export function tlsMinVersion(v: string): "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3" {
  const got = TLS_VERSIONS[v];
  if (!got) throw new Error(`expected one of ${Object.keys(TLS_VERSIONS).join(", ")}`);
  return got;
}

/** Go's cipher suite names (cliflag.TLSCipherPossibleValues) to OpenSSL's, for TLS 1.2 and below. */
const CIPHERS: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384: "AES256-GCM-SHA384",
  TLS_RSA_WITH_AES_128_CBC_SHA: "AES128-SHA",
  TLS_RSA_WITH_AES_256_CBC_SHA: "AES256-SHA",
};
/** TLS 1.3 suites: Go does not let them be chosen and neither do we; named, they are kept. */
const TLS13 = new Set(["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]);

/** The OpenSSL cipher list for Go cipher names; unknown names are an error naming them. */
export function tlsCiphers(names: string[]): string {
  const unknown = names.filter((n) => !CIPHERS[n] && !TLS13.has(n));
  if (unknown.length) throw new Error(`unknown cipher suite ${unknown.join(", ")}`);
  const tls12 = [...new Set(names.filter((n) => CIPHERS[n]).map((n) => CIPHERS[n]))];
  // Node's default TLS 1.3 suites stay: as in Go, the list governs TLS 1.2 only.
  return [...TLS13, ...tls12].join(":");
}

/** Go crypto/tls CurveIDs to OpenSSL group names. */
const CURVES: Record<number, string> = { 23: "P-256", 24: "P-384", 25: "P-521", 29: "X25519" };

export function tlsCurves(ids: string[]): string {
  return ids
    .map((id) => {
      const c = CURVES[Number(id)];
      if (!c) throw new Error(`unknown curve ID ${id} (known: ${Object.keys(CURVES).join(", ")})`);
      return c;
    })
    .join(":");
}

export interface SniCertKey {
  certFile: string;
  keyFile: string;
  /** Domain patterns; empty: the names in the certificate. */
  domains: string[];
}

/** cliflag NamedCertKey: "cert.crt,key.key" or "cert.crt,key.key:*.example.com,foo.example.com". */
export function parseSniCertKey(v: string): SniCertKey {
  const colon = v.indexOf(":");
  const files = (colon >= 0 ? v.slice(0, colon) : v).split(",").map((s) => s.trim());
  if (files.length !== 2 || !files[0] || !files[1]) throw new Error("expected cert,key or cert,key:domain,...");
  const domains = colon >= 0 ? parseList(v.slice(colon + 1)) : [];
  return { certFile: files[0], keyFile: files[1], domains };
}
