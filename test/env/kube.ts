// etcd + kube-apiserver (+ optional kube-controller-manager, and for a cluster with kubelet nodes
// kube-scheduler and the controllers pods need) on 127.0.0.1, token and client-certificate auth,
// Node + RBAC authorization, audit log on. Data and certificates persist in the run directory, so a stopped engine can be
// restarted on the same port with the same state to test outages.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { engine } from "./catalog.js";
import { engineBinDir } from "./install.js";
import { freePort, httpsRequest } from "./net.js";
import { issueCert, serverCert, type Pki } from "./pki.js";
import { running, startProc, stopProc, waitReady } from "./proc.js";

export interface Kube {
  etcdPort: number;
  etcdPeerPort: number;
  apiPort: number;
  kcmPort: number;
  /** https://127.0.0.1:<apiPort> */
  server: string;
  caFile: string;
  /** Bearer token of the cluster admin (group system:masters). */
  adminToken: string;
  kubeconfig: string;
  auditLog: string;
  withControllerManager: boolean;
  /**
   * Run what pods need: kube-scheduler, and in kube-controller-manager the DaemonSet,
   * ServiceAccount and root-CA publisher controllers (test/env/cluster.ts adds the kubelets).
   */
  withCluster?: boolean;
  schedulerPort?: number;
}

const bin = (name: string) => join(engineBinDir(engine(name === "etcd" ? "etcd" : "kubernetes")), name);

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

export async function startEtcd(dir: string, k: Kube): Promise<void> {
  if (running(dir, "etcd") !== undefined) return;
  const client = `http://127.0.0.1:${k.etcdPort}`;
  const peer = `http://127.0.0.1:${k.etcdPeerPort}`;
  const info = await startProc({
    name: "etcd",
    command: bin("etcd"),
    dir,
    args: [
      "--name=default",
      `--data-dir=${join(dir, "etcd-data")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      "--listen-metrics-urls=",
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
  });
  await waitReady(info, () => httpOk(`${client}/health`), 30_000, dir);
}

async function apiReady(k: Kube): Promise<boolean> {
  const res = await httpsRequest(`${k.server}/readyz`, {
    caFile: k.caFile,
    headers: { Authorization: `Bearer ${k.adminToken}` },
    timeoutMs: 3000,
  });
  return res.status === 200;
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    verbs: ["get", "list", "watch"]
  - level: Metadata
`;

export async function startApiserver(dir: string, pki: Pki, k: Kube): Promise<void> {
  if (running(dir, "kube-apiserver") !== undefined) return;
  const cert = await serverCert(pki, "kube-apiserver");
  // How the apiserver authenticates to kubelets (logs, exec): a system:masters client certificate.
  const kubeletClient = await issueCert(pki, "apiserver-kubelet-client", {
    subject: "/CN=kube-apiserver-kubelet-client/O=system:masters",
  });
  await writeFile(join(dir, "tokens.csv"), `${k.adminToken},admin,admin,system:masters\n`, { mode: 0o600 });
  await writeFile(join(dir, "audit-policy.yaml"), AUDIT_POLICY);
  const info = await startProc({
    name: "kube-apiserver",
    command: bin("kube-apiserver"),
    dir,
    args: [
      `--etcd-servers=http://127.0.0.1:${k.etcdPort}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${k.apiPort}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--tls-cert-file=${cert.cert}`,
      `--tls-private-key-file=${cert.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      "--service-cluster-ip-range=10.96.0.0/24",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccount.pub}`,
      `--service-account-signing-key-file=${pki.serviceAccount.key}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      // Node: kubelets (client certificates CN=system:node:<name>, O=system:nodes) read and
      // write only what their own pods need; NodeRestriction holds them to their own Node.
      "--authorization-mode=Node,RBAC",
      "--enable-admission-plugins=NodeRestriction",
      `--kubelet-client-certificate=${kubeletClient.cert}`,
      `--kubelet-client-key=${kubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.ca.cert}`,
      // Dial kubelets at their node IP: a name would be looked up in DNS, off this machine.
      "--kubelet-preferred-address-types=InternalIP",
      "--allow-privileged=true",
      "--anonymous-auth=false",
      `--audit-log-path=${k.auditLog}`,
      `--audit-policy-file=${join(dir, "audit-policy.yaml")}`,
      "--audit-log-mode=blocking",
      // Populates kube-system/extension-apiserver-authentication the way kubeadm clusters do, so
      // components with delegated authentication (kube-controller-manager, our CCM) start cleanly.
      `--requestheader-client-ca-file=${pki.ca.cert}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      "--endpoint-reconciler-type=none",
      "--v=1",
    ],
  });
  await waitReady(info, () => apiReady(k), 120_000, dir);
}

/** kube-controller-manager's controllers: the few the tests need, and what pods need in a cluster. */
export function controllers(k: Pick<Kube, "withCluster">): string[] {
  const base = ["namespace-controller", "garbage-collector-controller", "serviceaccount-token-controller"];
  const cluster = ["daemonset-controller", "serviceaccount-controller", "root-ca-certificate-publisher-controller"];
  return k.withCluster ? [...base, ...cluster] : base;
}

/** kube-scheduler: DaemonSet pods are scheduled like any other since Kubernetes 1.12. */
export async function startScheduler(dir: string, pki: Pki, k: Kube): Promise<void> {
  if (running(dir, "kube-scheduler") !== undefined) return;
  const info = await startProc({
    name: "kube-scheduler",
    command: bin("kube-scheduler"),
    dir,
    args: [
      `--kubeconfig=${k.kubeconfig}`,
      `--authentication-kubeconfig=${k.kubeconfig}`,
      `--authorization-kubeconfig=${k.kubeconfig}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${k.schedulerPort}`,
      "--v=1",
    ],
  });
  await waitReady(info, () => selfSignedUp(pki, k.schedulerPort as number), 60_000, dir);
}

/** True once a component serving a self-signed certificate on 127.0.0.1:<port> answers TLS. */
async function selfSignedUp(pki: Pki, port: number): Promise<boolean> {
  const res = await httpsRequest(`https://127.0.0.1:${port}/healthz`, { caFile: pki.ca.cert, timeoutMs: 2000 }).catch(
    (err: Error) => ({ status: /self.signed|unable to verify|certificate/i.test(err.message) ? 200 : 0, body: "" }),
  );
  return res.status === 200;
}

export async function startControllerManager(dir: string, pki: Pki, k: Kube): Promise<void> {
  if (running(dir, "kube-controller-manager") !== undefined) return;
  const info = await startProc({
    name: "kube-controller-manager",
    command: bin("kube-controller-manager"),
    dir,
    args: [
      `--kubeconfig=${k.kubeconfig}`,
      `--authentication-kubeconfig=${k.kubeconfig}`,
      `--authorization-kubeconfig=${k.kubeconfig}`,
      `--controllers=${controllers(k).join(",")}`,
      `--service-account-private-key-file=${pki.serviceAccount.key}`,
      `--root-ca-file=${pki.ca.cert}`,
      "--use-service-account-credentials=false",
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${k.kcmPort}`,
      `--cert-dir=${join(dir, "kcm-certs")}`,
      "--v=1",
    ],
  });
  // kcm serves a self-signed certificate; reaching it at all with TLS means it is up.
  await waitReady(info, () => selfSignedUp(pki, k.kcmPort), 60_000, dir);
}

function kubeconfigYaml(k: Kube): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: local
    cluster:
      server: ${k.server}
      certificate-authority: ${k.caFile}
users:
  - name: admin
    user:
      token: ${k.adminToken}
contexts:
  - name: local
    context: { cluster: local, user: admin }
current-context: local
`;
}

/** Starts etcd and kube-apiserver (and kube-controller-manager when asked); idempotent. */
export async function startKube(
  dir: string,
  pki: Pki,
  opts: { controllerManager?: boolean; cluster?: boolean } = {},
): Promise<Kube> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const specPath = join(dir, "kube.json");
  let k: Kube;
  if (existsSync(specPath)) {
    k = JSON.parse(await readFile(specPath, "utf8")) as Kube;
  } else {
    const apiPort = await freePort();
    k = {
      etcdPort: await freePort(),
      etcdPeerPort: await freePort(),
      apiPort,
      kcmPort: await freePort(),
      server: `https://127.0.0.1:${apiPort}`,
      caFile: pki.ca.cert,
      adminToken: randomBytes(24).toString("hex"),
      kubeconfig: join(dir, "kubeconfig"),
      auditLog: join(dir, "audit.log"),
      withControllerManager: opts.controllerManager ?? true,
      withCluster: opts.cluster ?? false,
      schedulerPort: opts.cluster ? await freePort() : undefined,
    };
    await writeFile(specPath, JSON.stringify(k, null, 2), { mode: 0o600 });
  }
  await writeFile(k.kubeconfig, kubeconfigYaml(k), { mode: 0o600 });
  await startEtcd(dir, k);
  await startApiserver(dir, pki, k);
  if (k.withControllerManager || k.withCluster) await startControllerManager(dir, pki, k);
  if (k.withCluster) await startScheduler(dir, pki, k);
  return k;
}

export async function readKube(dir: string): Promise<Kube | undefined> {
  const p = join(dir, "kube.json");
  return existsSync(p) ? (JSON.parse(await readFile(p, "utf8")) as Kube) : undefined;
}

export const KUBE_PROCS = ["kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"] as const;

export async function stopKube(dir: string): Promise<void> {
  for (const p of KUBE_PROCS) await stopProc(dir, p);
}
