// vcsim: the govmomi vCenter simulator, built by our wrapper (test/env/go/govmomi/vcsim).
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { engine } from "./catalog.js";
import type { Govc } from "./govc.js";
import { engineBinDir } from "./install.js";
import { freePort, httpsRequest } from "./net.js";
import { serverCert, thumbprints, type Pki } from "./pki.js";
import { running, startProc, stopProc, waitReady } from "./proc.js";
import { VsphereSession, type SessionOptions } from "../../vsphere/session.js";

export interface VcsimOptions {
  /** Process name inside the run directory (several instances may run side by side). */
  name?: string;
  datacenters?: number;
  clustersPerDatacenter?: number;
  hostsPerCluster?: number;
  standaloneHosts?: number;
  /** VMs per resource pool (each cluster and standalone host has one pool). */
  vmsPerPool?: number;
  /**
   * Distributed port groups per datacenter (DC0_DVPG0, DC0_DVPG1, ...; vcsim's -pg). Every model
   * VM's one NIC is on the first; more NICs can be added on the others.
   */
  portgroupsPerDatacenter?: number;
  /** Mixed into VM UUIDs so two instances never share one. Defaults to the name. */
  uuidSeed?: string;
  username?: string;
  password?: string;
  /**
   * Users the simulator's user directory knows from the start (what RetrieveUserGroups finds),
   * besides its own root and admin. Default: `k8s-ccm`, the CCM principal of the local stack.
   * Tests add more at run time with `createVcsimUser`.
   */
  users?: string[];
  /** How long to wait for the simulator to listen; 0 (the default) derives it from the inventory size. */
  readyTimeoutMs?: number;
}

export interface Vcsim {
  name: string;
  host: string;
  port: number;
  /** https://127.0.0.1:<port>/sdk */
  url: string;
  username: string;
  password: string;
  caFile: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
  options: Required<VcsimOptions>;
}

export const VCSIM_DEFAULTS: Required<Omit<VcsimOptions, "uuidSeed">> = {
  name: "vcsim",
  datacenters: 1,
  clustersPerDatacenter: 1,
  hostsPerCluster: 2,
  standaloneHosts: 0,
  vmsPerPool: 2,
  portgroupsPerDatacenter: 1,
  username: "administrator@vsphere.local",
  password: "vcsim-Passw0rd!",
  users: ["k8s-ccm"],
  readyTimeoutMs: 0,
};

const specFile = (dir: string, name: string) => join(dir, `${name}.json`);

async function probe(v: Vcsim): Promise<boolean> {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    '<soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>' +
    "</RetrieveServiceContent></soapenv:Body></soapenv:Envelope>";
  const res = await httpsRequest(v.url, {
    caFile: v.caFile,
    method: "POST",
    headers: { "Content-Type": "text/xml", SOAPAction: "urn:vim25/8.0.1.0" },
    body,
    timeoutMs: 2000,
  });
  return res.status === 200 && res.body.includes("rootFolder");
}

function args(v: Vcsim, cert: { cert: string; key: string }): string[] {
  const o = v.options;
  return [
    "-l",
    `${v.host}:${v.port}`,
    "-tlscert",
    cert.cert,
    "-tlskey",
    cert.key,
    "-username",
    o.username,
    "-password",
    o.password,
    "-dc",
    String(o.datacenters),
    "-cluster",
    String(o.clustersPerDatacenter),
    "-host",
    String(o.hostsPerCluster),
    "-standalone-host",
    String(o.standaloneHosts),
    "-vm",
    String(o.vmsPerPool),
    // A spec recorded before this option existed has none: vcsim's VPX default.
    "-pg",
    String(o.portgroupsPerDatacenter ?? 1),
    "-uuid-seed",
    o.uuidSeed,
    "-users",
    o.users.join(","),
  ];
}

async function launch(dir: string, v: Vcsim, pki: Pki): Promise<void> {
  const cert = await serverCert(pki, "vcsim");
  const bin = join(engineBinDir(engine("govmomi")), "vcsim");
  // The password reaches vcsim as an argument; the run directory is private to this user.
  const info = await startProc({ name: v.name, command: bin, args: args(v, cert), dir });
  // The simulator builds its whole inventory before listening: allow for large ones.
  const o = v.options;
  const vms = o.vmsPerPool * o.datacenters * (o.clustersPerDatacenter + o.standaloneHosts);
  try {
    await waitReady(info, () => probe(v), o.readyTimeoutMs || 60_000 + vms * 40, dir);
  } catch (err) {
    await stopProc(dir, v.name);
    throw err;
  }
}

/** Starts a vcsim instance (or returns the running one with this name). */
export async function startVcsim(dir: string, pki: Pki, opts: VcsimOptions = {}): Promise<Vcsim> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = opts.name ?? VCSIM_DEFAULTS.name;
  if (running(dir, name) !== undefined && existsSync(specFile(dir, name))) {
    return JSON.parse(await readFile(specFile(dir, name), "utf8")) as Vcsim;
  }
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const options: Required<VcsimOptions> = { ...VCSIM_DEFAULTS, uuidSeed: name, ...given, name };
  const port = await freePort();
  const cert = await serverCert(pki, "vcsim");
  const tp = await thumbprints(cert.cert);
  const v: Vcsim = {
    name,
    host: "127.0.0.1",
    port,
    url: `https://127.0.0.1:${port}/sdk`,
    username: options.username,
    password: options.password,
    caFile: pki.ca.cert,
    thumbprintSha1: tp.sha1,
    thumbprintSha256: tp.sha256,
    options,
  };
  await launch(dir, v, pki);
  await writeFile(specFile(dir, name), JSON.stringify(v, null, 2), { mode: 0o600 });
  return v;
}

/** Stops the instance; its port, certificate and options stay recorded for `restartVcsim`. */
export const stopVcsim = (dir: string, name = VCSIM_DEFAULTS.name) => stopProc(dir, name);

/** Starts a stopped instance again on the same port with the same certificate (fresh inventory). */
export async function restartVcsim(dir: string, pki: Pki, v: Vcsim): Promise<Vcsim> {
  await stopProc(dir, v.name);
  await launch(dir, v, pki);
  return v;
}

/**
 * Makes `name` a user the simulator's directory knows, through the vSphere API
 * (HostLocalAccountManager.CreateUser, which our vcsim serves: see its main.go). The directory
 * ignores domains, so `name` is the bare name ("k8s-ccm" for "VSPHERE.LOCAL\\k8s-ccm"). A user
 * that already exists is kept.
 */
export async function createVcsimUser(govc: Govc, name: string): Promise<void> {
  const host = (await govc("find", "/", "-type", "h")).split("\n").find((l) => l.trim() !== "");
  if (!host) throw new Error("vcsim has no host to reach its account manager through");
  await govc("host.account.create", "-host", host.trim(), "-id", name, "-password", "unused-Passw0rd").catch(
    (err: Error) => {
      if (!err.message.includes("AlreadyExists")) throw err;
    },
  );
}

/** Adds a fault-injection rule (see test/env/go/govmomi/vcsim/main.go); `clearFaults` removes all. */
export async function injectFault(
  v: Vcsim,
  rule: {
    method?: string;
    objectType?: string;
    objectName?: string;
    fault: string;
    privilege?: string;
    object?: { type: string; value: string };
    maxCount?: number;
    skipCount?: number;
  },
): Promise<void> {
  const res = await httpsRequest(`https://${v.host}:${v.port}/vcsim/faults`, {
    caFile: v.caFile,
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(rule),
  });
  if (res.status !== 201) throw new Error(`vcsim fault injection refused (${res.status}): ${res.body}`);
}

export async function clearFaults(v: Vcsim): Promise<void> {
  const res = await httpsRequest(`https://${v.host}:${v.port}/vcsim/faults`, { caFile: v.caFile, method: "DELETE" });
  if (res.status !== 204) throw new Error(`vcsim fault clear refused (${res.status}): ${res.body}`);
}

/** A logged-in SOAP session to `v` as its administrator, trusting its CA; `extra` adds options. */
export function sessionFor(v: Vcsim, extra: Partial<SessionOptions> = {}): Promise<VsphereSession> {
  return VsphereSession.connect({
    host: v.host,
    port: v.port,
    tls: { caFile: v.caFile },
    credentials: () => ({ username: v.username, password: v.password }),
    ...extra,
  });
}
