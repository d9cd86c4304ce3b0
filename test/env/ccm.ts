// The CCM as a process, as the DaemonSet runs it: the bin with --cloud-config and a kubeconfig.
// Engine-backed tests start it here, probe its secure port (a serving certificate signed by the
// environment's CA, so probes verify TLS), read its log and stop or kill it.
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, httpsRequest, type HttpsResult } from "./net.js";
import { REPO_ROOT } from "./paths.js";
import { serverCert, type Pki } from "./pki.js";
import type { Vcsim } from "./vcsim.js";

export const CCM_BIN = join(REPO_ROOT, "bin", "vsphere-cloud-controller-manager.js");
export const TAINT_UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized";
export const TAINT_SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown";

/** Polls `probe` every `everyMs` until it returns something other than undefined or false. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A Node as a kubelet with --cloud-provider=external registers it: tainted, with its system UUID. */
export function kubeletNode(name: string, systemUUID: string): V1Node {
  return {
    metadata: { name },
    spec: { taints: [{ key: TAINT_UNINITIALIZED, value: "true", effect: "NoSchedule" }] },
    status: {
      nodeInfo: {
        systemUUID,
        machineID: "",
        bootID: "",
        kernelVersion: "",
        osImage: "",
        containerRuntimeVersion: "",
        kubeletVersion: "",
        kubeProxyVersion: "",
        operatingSystem: "linux",
        architecture: "amd64",
      },
      addresses: [{ type: "Hostname", address: name }],
    },
  };
}

/** Upstream's Secret keys for `v`: `<server>.username` and `<server>.password`. */
export function credentialsSecretData(v: Vcsim, password = v.password): Record<string, string> {
  return { [`${v.host}.username`]: v.username, [`${v.host}.password`]: password };
}

/** Creates the vCenter credentials Secret `name` in kube-system, with upstream's keys for `v`. */
export async function createCredentialsSecret(api: CoreV1Api, name: string, v: Vcsim): Promise<void> {
  await api.createNamespacedSecret({
    namespace: "kube-system",
    body: { metadata: { name }, stringData: credentialsSecretData(v) },
  });
}

/**
 * What a CCM engine test sets up before its CCMs: a CoreV1Api as the kubeconfig's user, and the
 * credentials Secret `secretName` for `v` in kube-system.
 */
export async function apiWithCredentialsSecret(kubeconfig: string, secretName: string, v: Vcsim): Promise<CoreV1Api> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(CoreV1Api);
  await createCredentialsSecret(api, secretName, v);
  return api;
}

/**
 * The YAML cloud config the tests run the CCM with: one vCenter (`vc1`, our vcsim, datacenter
 * DC0) trusted through its CA, credentials from a Secret in kube-system; `extra` lines appended.
 */
export function secretCloudConfig(v: Vcsim, secretName: string, extra: string[] = []): string {
  return [
    "global:",
    `  port: ${v.port}`,
    `  caFile: ${v.caFile}`,
    `  secretName: ${secretName}`,
    "  secretNamespace: kube-system",
    "vcenter:",
    "  vc1:",
    `    server: ${v.host}`,
    "    datacenters: [DC0]",
    ...extra,
    "",
  ].join("\n");
}

/** True once the CCM initialized the node: providerID set and the uninitialized taint gone. */
export const isInitialized = (n: V1Node): boolean =>
  !!n.spec?.providerID && !(n.spec.taints ?? []).some((t) => t.key === TAINT_UNINITIALIZED);

export interface CcmOptions {
  cloudConfig: string;
  kubeconfig: string;
  /** Lease name: distinct per test, so replicas of different tests never meet (unless meant to). */
  leaseName: string;
  /** Environment PKI: the serving certificate is issued by its CA. */
  pki: Pki;
  /** Extra flags (e.g. short --leader-elect-* durations). */
  args?: string[];
  /** Also append the log to this file (kept in the run directory for post-mortems). */
  logFile?: string;
  /** Run as this user and group id (the image runs as 65532); files it reads must be readable. */
  uid?: number;
  /** The bin to run instead of this checkout's (e.g. one next to a bundle, laid out as the image). */
  bin?: string;
  /** Serving certificate to use instead of one issued from `pki` (a non-root process must read it). */
  servingCert?: { cert: string; key: string };
  /** Variables added to the test's environment (the DaemonSet's `env:`), e.g. SKIP_NODE_DELETION. */
  env?: Record<string, string>;
}

export interface CcmProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** GET https://127.0.0.1:<port><path>, verifying the serving certificate; bearer token optional. */
  get(path: string, token?: string): Promise<HttpsResult>;
  /** Waits until /readyz answers 200. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM (clean shutdown: lease released, vCenter logout) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: nothing released) and wait for the exit. */
  kill(): Promise<void>;
}

/** Starts the CCM bin; resolves once the process is spawned (not yet ready: see waitReady). */
export async function startCcm(o: CcmOptions): Promise<CcmProcess> {
  const tls = o.servingCert ?? (await serverCert(o.pki, "ccm"));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      o.bin ?? CCM_BIN,
      "--cloud-provider=vsphere",
      "--v=2",
      `--cloud-config=${o.cloudConfig}`,
      `--kubeconfig=${o.kubeconfig}`,
      `--leader-elect-resource-name=${o.leaseName}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--tls-cert-file=${tls.cert}`,
      `--tls-private-key-file=${tls.key}`,
      ...(o.args ?? []),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...o.env },
      ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
    },
  );
  let out = "";
  const file: WriteStream | undefined = o.logFile ? createWriteStream(o.logFile, { flags: "a" }) : undefined;
  const collect = (d: Buffer) => {
    out += d.toString();
    file?.write(d);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      file?.end();
      resolve(code ?? signal ?? -1);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  const get = (path: string, token?: string) =>
    httpsRequest(`https://127.0.0.1:${port}${path}`, {
      caFile: o.pki.ca.cert,
      headers: token ? { Authorization: `Bearer ${token}` } : undefined,
      timeoutMs: 5000,
    });
  const end = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    child,
    port,
    logs: () => out,
    exited,
    get,
    async waitReady(timeoutMs = 60_000) {
      let last = "no answer";
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`CCM exited with ${child.exitCode} before ready:\n${out}`);
        const r = await get("/readyz").catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status === 200) return;
        last = `${r.status} ${r.body.trim()}`;
        if (Date.now() > deadline) throw new Error(`CCM not ready after ${timeoutMs} ms: ${last}`);
        await sleep(100);
      }
    },
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
  };
}

/** Runs the bin once (migrate-config, a config that must be refused...) and collects its output. */
export function runCcmOnce(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CCM_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
