// The serving certificate made at start when no --tls-cert-file is given, as Kubernetes components
// do: self-signed, ECDSA P-256, CN vsphere-cloud-controller-manager, SANs localhost and 127.0.0.1,
// valid for a year. Built with node:crypto and a few lines of DER, because the `selfsigned`
// package (and the @peculiar/asn1 stack it loads) cost about 9 MB of resident memory for the
// whole life of the process, for one certificate made once (bench/RESULTS.md, "Memory").
import { createPublicKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";

// DER: tag, length, contents (X.690). Lengths up to 65,535 bytes are all a certificate needs.
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

const seq = (...parts: Buffer[]) => der(0x30, ...parts);

function oid(text: string): Buffer {
  const [a, b, ...rest] = text.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/** UTCTime (years before 2050), as RFC 5280 requires for those years. */
function time(d: Date): Buffer {
  const t = d.toISOString().replace(/[-:T]/g, "").slice(2, 14);
  return der(0x17, Buffer.from(`${t}Z`, "ascii"));
}

const ECDSA_SHA256 = "1.2.840.10045.4.3.2";
const COMMON_NAME = "2.5.4.3";
const SUBJECT_ALT_NAME = "2.5.29.17";
const BASIC_CONSTRAINTS = "2.5.29.19";

function name(cn: string): Buffer {
  return seq(der(0x31, seq(oid(COMMON_NAME), der(0x0c, Buffer.from(cn, "utf8")))));
}

function extensions(dnsNames: string[], ips: string[]): Buffer {
  const alt = [
    ...dnsNames.map((n) => der(0x82, Buffer.from(n, "ascii"))),
    ...ips.map((ip) => der(0x87, Buffer.from(ip.split(".").map(Number)))),
  ];
  const san = seq(oid(SUBJECT_ALT_NAME), der(0x04, seq(...alt)));
  // cA FALSE is the DEFAULT, so an empty sequence.
  const basic = seq(oid(BASIC_CONSTRAINTS), der(0x04, seq()));
  return der(0xa3, seq(san, basic));
}

export interface SelfSigned {
  cert: string;
  key: string;
}

/** A self-signed serving certificate and its key, in PEM. `ips` are IPv4 addresses. */
export function selfSignedCertificate(
  cn = "vsphere-cloud-controller-manager",
  dnsNames = ["localhost"],
  ips = ["127.0.0.1"],
  now = new Date(),
): SelfSigned {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER: first byte 0x01-0x7f (0x00 there would be illegal padding).
  serial[0] = (serial[0] & 0x7f) | 0x01;
  const algorithm = seq(oid(ECDSA_SHA256));
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    algorithm,
    name(cn),
    seq(time(new Date(now.getTime() - 60_000)), time(notAfter)),
    name(cn),
    spki,
    extensions(dnsNames, ips),
  );
  const signature = sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" });
  const cert = seq(tbs, algorithm, der(0x03, Buffer.from([0]), signature));
  const pem = (label: string, body: Buffer) =>
    `-----BEGIN ${label}-----\n${body
      .toString("base64")
      .match(/.{1,64}/g)
      ?.join("\n")}\n-----END ${label}-----\n`;
  return { cert: pem("CERTIFICATE", cert), key: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}
