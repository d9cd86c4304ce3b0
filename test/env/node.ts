// One local Kubernetes node: its own containerd (test/env/containerd.ts) and a real kubelet with
// --cloud-provider=external, so it registers itself with the uninitialized taint. Each node has
// its own address on lo (its node IP, where the kubelet serves), root dir, cgroup root, pod log
// dir and containerd socket; kubelets authenticate with client certificates from the
// environment's CA (CN=system:node:<name>, O=system:nodes).
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { engine } from "./catalog.js";
import { containerdPaths, importImage, startContainerd, stopContainerd, type ContainerdPaths } from "./containerd.js";
import {
  addAddress,
  cgroupPids,
  createCgroup,
  killPids,
  pidsMentioning,
  removeAddress,
  removeCgroup,
  removeContainerLogLinks,
  unmountUnder,
} from "./host.js";
import { engineBinDir } from "./install.js";
import type { Kube } from "./kube.js";
import { issueCert, type Pki } from "./pki.js";
import { running, startProc, stopProc, waitReady } from "./proc.js";
import { PAUSE_IMAGE } from "./image.js";

export interface NodeSpec {
  /** The Node's name: the guest host name of its simulated VM. */
  name: string;
  /** Its node IP: an address this project puts on lo (test/env/host.ts). */
  ip: string;
  /** Registers with the control-plane taint and gets the control-plane role label. */
  controlPlane: boolean;
  /** Directory of this node's state: containerd's images, logs, PID files, configs. */
  dir: string;
  /**
   * Short directory (under /run/vscp) for the kubelet's root and containerd's sockets and
   * runtime state: unix socket paths hold 107 bytes, too few below a run directory.
   */
  runtimeDir: string;
  /** cgroup root of its pods: `/<cgroupRoot>` in every hierarchy. */
  cgroupRoot: string;
}

export const KUBELET_PORT = 10250;
export const KUBELET_HEALTHZ_PORT = 10248;
export const CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane";

const kubeletBin = () => join(engineBinDir(engine("kubernetes")), "kubelet");
const podLogsDir = (n: NodeSpec) => join(n.dir, "pod-logs");
export const nodeContainerd = (n: NodeSpec): ContainerdPaths => containerdPaths(n.dir, n.runtimeDir);

/** The kubelet's configuration file (KubeletConfiguration v1beta1). */
export function kubeletConfig(n: NodeSpec, pki: Pki, cert: { cert: string; key: string }): string {
  const c = nodeContainerd(n);
  return JSON.stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      address: n.ip,
      port: KUBELET_PORT,
      readOnlyPort: 0,
      healthzBindAddress: n.ip,
      healthzPort: KUBELET_HEALTHZ_PORT,
      tlsCertFile: cert.cert,
      tlsPrivateKeyFile: cert.key,
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: pki.ca.cert },
      },
      authorization: { mode: "Webhook" },
      // This machine runs cgroup v1, which kubelet 1.35 accepts only when told to.
      failCgroupV1: false,
      cgroupDriver: "cgroupfs",
      cgroupRoot: `/${n.cgroupRoot}`,
      containerRuntimeEndpoint: `unix://${c.socket}`,
      imageServiceEndpoint: `unix://${c.socket}`,
      podLogsDir: podLogsDir(n),
      staticPodPath: "",
      maxPods: 16,
      registerNode: true,
      registerWithTaints: n.controlPlane ? [{ key: CONTROL_PLANE_TAINT, effect: "NoSchedule" }] : [],
      // Images come only from `ctr images import`: never collect them, never evict for disk.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: { "memory.available": "50Mi", "nodefs.available": "1%", "imagefs.available": "1%" },
      resolvConf: "/etc/resolv.conf",
      shutdownGracePeriod: "0s",
      nodeStatusReportFrequency: "1m",
    },
    null,
    2,
  );
}

function kubeconfig(k: Kube, cert: { cert: string; key: string }): string {
  return `apiVersion: v1
kind: Config
clusters: [{ name: local, cluster: { server: "${k.server}", certificate-authority: "${k.caFile}" } }]
users: [{ name: node, user: { client-certificate: "${cert.cert}", client-key: "${cert.key}" } }]
contexts: [{ name: local, context: { cluster: local, user: node } }]
current-context: local
`;
}

/** Starts the node's containerd (with `images` imported) and its kubelet; waits for kubelet health. */
export async function startNode(n: NodeSpec, k: Kube, pki: Pki, images: string[]): Promise<void> {
  await mkdir(n.dir, { recursive: true, mode: 0o700 });
  await addAddress(n.ip);
  await createCgroup(n.cgroupRoot);
  const c = nodeContainerd(n);
  await startContainerd(c, PAUSE_IMAGE);
  for (const archive of images) await importImage(c, archive);
  if (running(n.dir, "kubelet") !== undefined) return;
  const client = await issueCert(pki, `node-${n.name}-client`, { subject: `/CN=system:node:${n.name}/O=system:nodes` });
  const serving = await issueCert(pki, `node-${n.name}-serving`, {
    subject: `/CN=system:node:${n.name}/O=system:nodes`,
    altNames: `IP:${n.ip},DNS:${n.name}`,
  });
  await mkdir(podLogsDir(n), { recursive: true });
  await writeFile(join(n.dir, "kubelet.yaml"), kubeletConfig(n, pki, serving));
  await writeFile(join(n.dir, "kubelet.kubeconfig"), kubeconfig(k, client), { mode: 0o600 });
  const info = await startProc({
    name: "kubelet",
    command: kubeletBin(),
    dir: n.dir,
    args: [
      `--config=${join(n.dir, "kubelet.yaml")}`,
      `--kubeconfig=${join(n.dir, "kubelet.kubeconfig")}`,
      `--root-dir=${join(n.runtimeDir, "kubelet")}`,
      `--hostname-override=${n.name}`,
      `--node-ip=${n.ip}`,
      "--cloud-provider=external",
      "--v=1",
    ],
  });
  await waitReady(info, () => healthz(n), 120_000, n.dir);
}

/** The kubelet's plain-HTTP health endpoint on its node IP. */
function healthz(n: NodeSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`http://${n.ip}:${KUBELET_HEALTHZ_PORT}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * Stops the kubelet, every container and containerd; then kills what is left in the node's
 * cgroups or names its directory (shims), unmounts everything below the node's directory,
 * removes its cgroups, address, log links and directory. Idempotent.
 */
export async function stopNode(n: NodeSpec, removeData = true): Promise<void> {
  // No grace: the kubelet holds no state worth a clean exit, and its pods are removed next.
  await stopProc(n.dir, "kubelet", 1000);
  if (existsSync(n.dir)) await stopContainerd(nodeContainerd(n));
  for (let i = 0; i < 3; i++) {
    const left = [...new Set([...cgroupPids(n.cgroupRoot), ...pidsMentioning(n.dir), ...pidsMentioning(n.runtimeDir)])];
    if (left.length === 0) break;
    killPids(left);
    await new Promise((r) => setTimeout(r, 200));
  }
  await unmountUnder(n.runtimeDir);
  await unmountUnder(n.dir);
  await removeCgroup(n.cgroupRoot);
  await removeContainerLogLinks(podLogsDir(n));
  await removeAddress(n.ip);
  await rm(n.runtimeDir, { recursive: true, force: true });
  if (removeData) await rm(n.dir, { recursive: true, force: true });
}
