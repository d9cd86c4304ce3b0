// A real local Kubernetes cluster on the local engines: kubelet nodes (test/env/node.ts), each
// named after the guest host name of a simulated VM whose guest IP is that node's address on lo,
// with the sandbox and CCM images (test/env/image.ts) imported into every node's containerd.
// The first node is the control plane (taint at registration, role label from the admin as
// kubeadm does); the CCM's DaemonSet runs there. State: <run dir>/cluster.json.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureContainerRuntime } from "./containerd.js";
import type { Environment } from "./environment.js";
import { govcFor } from "./govc.js";
import { NODE_NET_PREFIX, recordBaseline, restoreBaseline, usedSubnets } from "./host.js";
import { buildCcmImage, buildPauseImage } from "./image.js";
import { CONTROL_PLANE_TAINT, startNode, stopNode, type NodeSpec } from "./node.js";
import { cachePaths } from "./paths.js";
import { ensurePki } from "./pki.js";
import { running } from "./proc.js";

export interface ClusterNode extends NodeSpec {
  /** Inventory path of its VM. */
  vmPath: string;
  vm: string;
}

export interface Cluster {
  /** Node IPs are 198.18.<subnet>.x. */
  subnet: number;
  nodes: ClusterNode[];
  /** OCI archives imported into every node: sandbox and CCM images. */
  images: string[];
  /** Manifest digest of the CCM image last imported. */
  ccmDigest?: string;
  /** Set by startCluster when it resumed a cluster and the CCM image changed since. */
  ccmImageChanged?: boolean;
}

/** Short runtime directories of nodes (sockets): /run/vscp/<hash of the run dir>/<VM index>. */
export const RUNTIME_ROOT = "/run/vscp";

const clusterFile = (dir: string) => join(dir, "cluster.json");
/** Host-wide record of what kubelets change, kept while any cluster is up (test/env/host.ts). */
const baselineFile = () => join(cachePaths().run, ".host-baseline.json");

export async function readCluster(dir: string): Promise<Cluster | undefined> {
  const f = clusterFile(dir);
  return existsSync(f) ? (JSON.parse(await readFile(f, "utf8")) as Cluster) : undefined;
}

/** Node name for a VM: its name, lower case, `_` -> `-` (a DNS label, as a guest host name). */
export const nodeNameOf = (vm: string): string => vm.toLowerCase().replace(/_/g, "-");

/** Claims of node subnets: one file per subnet, naming the run directory that holds it. */
const claimFile = (subnet: number) => join(cachePaths().run, ".subnets", String(subnet));

/**
 * Claims a free 198.18.X.0/24 for `dir`'s node addresses. The claim is a file created
 * exclusively, so two clusters starting at once never share a subnet; a claim whose run
 * directory is gone is stale and taken over.
 */
export async function claimSubnet(dir: string): Promise<number> {
  await mkdir(dirname(claimFile(1)), { recursive: true });
  const onLo = new Set(await usedSubnets());
  for (let s = 1; s < 255; s++) {
    if (onLo.has(s)) continue;
    const f = claimFile(s);
    const holder = existsSync(f) ? (await readFile(f, "utf8").catch(() => "")).trim() : "";
    if (holder === dir) return s;
    if (holder && existsSync(holder)) continue;
    if (holder) await rm(f, { force: true });
    try {
      await writeFile(f, dir, { flag: "wx" });
      return s;
    } catch {
      /* claimed meanwhile by another cluster: try the next */
    }
  }
  throw new Error(`no free ${NODE_NET_PREFIX}.X.0/24 subnet for node addresses: stop a local cluster`);
}

export interface ClusterOptions {
  /** How many of the inventory's VMs become nodes now (the first is the control plane). Default 3. */
  nodes?: number;
  log?: (s: string) => void;
}

/** Starts (or resumes) the cluster of `e`: images, VM guest identities, nodes; waits for their Nodes. */
export async function startCluster(e: Environment, opts: ClusterOptions = {}): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  if (process.getuid?.() !== 0)
    throw new Error(
      "the local cluster runs kubelets, containerd and containers, and puts node addresses on lo: run it as root",
    );
  await ensureContainerRuntime(log);
  await recordBaseline(baselineFile());
  const resumed = await readCluster(e.dir);
  const cluster: Cluster = resumed ?? {
    subnet: await claimSubnet(e.dir),
    nodes: [],
    images: [join(e.dir, "images", "pause.tar"), join(e.dir, "images", "ccm.tar")],
  };
  // Built at every start, so a second `npm run local` runs the checkout as it is now.
  await mkdir(join(e.dir, "images"), { recursive: true });
  const t0 = Date.now();
  log("building the CCM image from controller/Dockerfile and the sandbox image ...");
  await buildPauseImage(join(e.dir, "images"), cluster.images[0]);
  const { digest } = await buildCcmImage(join(e.dir, "images"), cluster.images[1]);
  log(`images built in ${((Date.now() - t0) / 1000).toFixed(1)} s (CCM ${digest.slice(0, 19)})`);
  cluster.ccmImageChanged = resumed !== undefined && resumed.ccmDigest !== digest;
  cluster.ccmDigest = digest;
  await writeFile(clusterFile(e.dir), JSON.stringify(cluster, null, 2));
  const want = opts.nodes ?? 3;
  const vms = await vmPaths(e);
  if (vms.length < want) throw new Error(`the inventory has ${vms.length} VMs, ${want} nodes asked for`);
  for (let i = 0; i < want; i++) await addNode(e, cluster, i, log);
  return cluster;
}

async function vmPaths(e: Environment): Promise<string[]> {
  return (await govcFor(e.env)("find", "/", "-type", "m")).trim().split("\n").filter(Boolean).sort();
}

/**
 * Makes VM number `index` (inventory order) a node: its guest host name and IP (as VMware Tools
 * would report them), then its containerd and kubelet; waits until its Node is registered.
 */
export async function addNode(
  e: Environment,
  cluster: Cluster,
  index: number,
  log: (s: string) => void = () => {},
): Promise<ClusterNode> {
  const vmPath = (await vmPaths(e))[index];
  if (!vmPath) throw new Error(`no VM number ${index} in the inventory`);
  const vm = vmPath.split("/").pop() as string;
  const name = nodeNameOf(vm);
  let node = cluster.nodes.find((n) => n.name === name);
  if (!node) {
    node = {
      name,
      vm,
      vmPath,
      ip: `${NODE_NET_PREFIX}.${cluster.subnet}.${11 + index}`,
      controlPlane: cluster.nodes.length === 0,
      dir: join(e.dir, "nodes", name),
      runtimeDir: join(RUNTIME_ROOT, createHash("sha256").update(e.dir).digest("hex").slice(0, 8), String(index)),
      cgroupRoot: `vscp-${e.name}-${name}`,
    };
    cluster.nodes.push(node);
    await writeFile(clusterFile(e.dir), JSON.stringify(cluster, null, 2));
  }
  await govcFor(e.env)(
    "vm.change",
    "-vm",
    vmPath,
    "-e",
    `SET.guest.ipAddress=${node.ip}`,
    "-e",
    `SET.guest.hostName=${name}`,
  );
  const t0 = Date.now();
  await startNode(node, e.kube, await ensurePki(e.pki.dir), cluster.images);
  await waitRegistered(e, node);
  log(
    `node ${name} (${node.controlPlane ? "control plane" : "worker"}, ${node.ip}, VM ${vm}) registered in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return node;
}

/** Waits for the kubelet's Node; labels the control plane as kubeadm does (a kubelet may not). */
async function waitRegistered(e: Environment, node: ClusterNode): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(e.kube.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const n = await core.readNode({ name: node.name }).catch(() => undefined);
    if (n) {
      if (node.controlPlane && n.metadata?.labels?.[CONTROL_PLANE_TAINT] === undefined)
        await core.patchNode({
          name: node.name,
          body: [{ op: "add", path: `/metadata/labels/${CONTROL_PLANE_TAINT.replace("/", "~1")}`, value: "" }],
        });
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`node ${node.name} did not register within 120 s; see ${join(node.dir, "kubelet.log")}`);
    await sleep(250);
  }
}

/** True when a cluster other than the one in `dir` still has a kubelet running. */
async function otherClusterRunning(dir: string): Promise<boolean> {
  const root = cachePaths().run;
  for (const d of existsSync(root) ? await readdir(root) : []) {
    const other = join(root, d);
    if (other === dir) continue;
    const c = await readCluster(other).catch(() => undefined);
    if (c?.nodes.some((n) => running(n.dir, "kubelet") !== undefined)) return true;
  }
  return false;
}

/**
 * Stops every node of the cluster in `dir` (kubelets, containers, containerd; mounts, cgroups,
 * addresses) and, when no other cluster is up, puts back what kubelets changed on the host.
 * Returns what was put back.
 */
export async function stopCluster(dir: string): Promise<string[]> {
  const cluster = await readCluster(dir);
  if (!cluster) return [];
  for (const n of cluster.nodes) await stopNode(n);
  for (const n of cluster.nodes) await rm(dirname(n.runtimeDir), { recursive: true, force: true });
  await rm(claimFile(cluster.subnet), { force: true });
  if (await otherClusterRunning(dir)) return [];
  return restoreBaseline(baselineFile());
}
