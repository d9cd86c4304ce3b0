// Per-run certificates made with the system openssl: a CA, server certificates it signs for
// 127.0.0.1, a second unrelated CA for negative TLS tests, and the service-account signing key.
import { execFile } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (cause) {
    throw new Error(`openssl ${args[0]} failed (is openssl installed?)`, { cause });
  }
}

export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertPair;
  /** A CA that signed nothing we serve: clients trusting only it must fail. */
  wrongCa: CertPair;
  /** Service-account signing key pair for kube-apiserver / kube-controller-manager. */
  serviceAccount: { key: string; pub: string };
}

async function makeCa(dir: string, name: string): Promise<CertPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(pair.cert)) return pair;
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pair.key], dir);
  await openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      pair.key,
      "-sha256",
      "-days",
      "3650",
      "-subj",
      `/CN=${name}`,
      "-out",
      pair.cert,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return pair;
}

export interface CertOptions {
  /** Subject, e.g. `/CN=system:node:n1/O=system:nodes`. Default: `/CN=<name>`. */
  subject?: string;
  /** subjectAltName entries. Default: `IP:127.0.0.1,DNS:localhost`. */
  altNames?: string;
}

/** Issues (once) a server certificate for 127.0.0.1 and localhost signed by `ca`. */
export function serverCert(pki: Pki, name: string, ca: CertPair = pki.ca): Promise<CertPair> {
  return issueCert(pki, name, {}, ca);
}

/**
 * Issues (once) a certificate signed by `ca` for serving and client authentication: a kubelet's
 * client certificate (`CN=system:node:<name>, O=system:nodes`) or its serving certificate.
 */
export async function issueCert(pki: Pki, name: string, o: CertOptions = {}, ca: CertPair = pki.ca): Promise<CertPair> {
  const dir = pki.dir;
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(pair.cert)) return pair;
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pair.key], dir);
  await openssl(["req", "-new", "-key", pair.key, "-subj", o.subject ?? `/CN=${name}`, "-out", csr], dir);
  await writeFile(
    ext,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" +
      `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${o.altNames ?? "IP:127.0.0.1,DNS:localhost"}\n`,
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.cert,
      "-CAkey",
      ca.key,
      "-CAcreateserial",
      "-days",
      "825",
      "-sha256",
      "-extfile",
      ext,
      "-out",
      pair.cert,
    ],
    dir,
  );
  return pair;
}

export async function ensurePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const ca = await makeCa(dir, "ca");
  const wrongCa = await makeCa(dir, "wrong-ca");
  const saKey = join(dir, "sa.key");
  const saPub = join(dir, "sa.pub");
  if (!existsSync(saPub)) {
    await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", saKey], dir);
    await openssl(["pkey", "-in", saKey, "-pubout", "-out", saPub], dir);
  }
  return { dir, ca, wrongCa, serviceAccount: { key: saKey, pub: saPub } };
}

/** SHA-1 and SHA-256 thumbprints of a PEM certificate, colon-separated upper-case hex. */
export async function thumbprints(certFile: string): Promise<{ sha1: string; sha256: string }> {
  const der = new X509Certificate(await readFile(certFile)).raw;
  const hex = (alg: string) => createHash(alg).update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
  return { sha1: hex("sha1"), sha256: hex("sha256") };
}
