// npm run local [-- down]: the product as users run it, on a real local cluster. Engines up
// (vcsim, etcd, kube-apiserver, kube-controller-manager, kube-scheduler) -> the CCM image built
// from controller/Dockerfile and the sandbox image, imported into each node's containerd ->
// kubelet nodes named after simulated VMs (one control plane, two workers) -> `pulumi up --stack
// local`, which waits for the DaemonSet's rollout -> the DaemonSet's pod initializes every Node
// -> a table of the result, with the pod that wrote each Node (from the audit log).
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { startCluster, type Cluster } from "./cluster.js";
import { downWithReport, readEnvironment, runDir, up, type Environment } from "./environment.js";
import { isInitialized, until } from "./ccm.js";
import { REPO_ROOT } from "./paths.js";
import { ccmPods, isReady, nodeWriters } from "./pods.js";
import { PulumiCli } from "./pulumi.js";

const STACK = "local";

/**
 * The local stack's secrets are encrypted with this fixed passphrase: stacks/Pulumi.local.yaml
 * carries the matching salt, so `pulumi stack init` never rewrites that tracked file. It protects
 * only the simulator's throwaway password.
 */
export const LOCAL_PASSPHRASE = "vsphere-ccm-local-engines";

function pulumiFor(env: Record<string, string>, configFile: string): PulumiCli {
  return new PulumiCli(REPO_ROOT, { ...env, PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE }, STACK, [
    "--config-file",
    configFile,
  ]);
}

async function configure(cli: PulumiCli, e: Environment): Promise<void> {
  const env = e.env;
  const set = (key: string, value: string, secret = false) =>
    cli.ok(["config", "set", ...(secret ? ["--secret"] : []), "--path", key, value]);
  await set("vsphere:server", `${env.VCSIM_SERVER}:${env.VCSIM_PORT}`);
  await set("vsphere:user", env.VCSIM_USERNAME);
  await set("vsphere:password", env.VCSIM_PASSWORD, true);
  await set("vsphere:caFile", env.VCSIM_CA_FILE);
  await set("vsphere-ccm:vcenter.server", env.VCSIM_SERVER);
  await set("vsphere-ccm:vcenter.port", env.VCSIM_PORT);
  // The CCM pins vcsim's certificate by thumbprint (a PEM bundle would work too, via caBundle).
  await set("vsphere-ccm:vcenter.thumbprint", env.VCSIM_THUMBPRINT_SHA256);
  // vcsim has one login (and checks no authorization): the CCM logs in with it, while the
  // permissions go to the principal a real site would give the CCM (stacks/Pulumi.local.yaml),
  // which exists in vcsim's user directory as it must in SSO (VCSIM_DEFAULTS.users).
  await set("vsphere-ccm:ccmUsername", env.VCSIM_USERNAME);
  await set("vsphere-ccm:ccmPassword", env.VCSIM_PASSWORD, true);
  // No kube-proxy here: the pods reach the apiserver on 127.0.0.1 (they share the host network).
  await set("vsphere-ccm:kubernetes.apiServerEndpoint.host", "127.0.0.1");
  await set("vsphere-ccm:kubernetes.apiServerEndpoint.port", String(e.kube.apiPort));
}

export interface LocalRun {
  env: Environment;
  cluster: Cluster;
  cli: PulumiCli;
  /** node, VM, providerID, addresses, zone, region, the pod that initialized it (`-` where unset). */
  rows: string[][];
  seconds: { engines: number; cluster: number; up: number; total: number };
}

/** Local inventory: 2 datacenters x 2 clusters, one host and one VM each (stacks/Pulumi.local.yaml). */
export const LOCAL_VCSIM = { datacenters: 2, clustersPerDatacenter: 2, hostsPerCluster: 1, vmsPerPool: 1 };
/** Nodes at start: the control plane and two workers; the fourth VM is left to join later. */
export const LOCAL_NODES = 3;

/** Where localStack copies stacks/Pulumi.local.yaml: the stack's config file for `e`. */
export const localConfigFile = (e: Pick<Environment, "dir">): string => join(e.dir, "Pulumi.local.yaml");

/** The local stack's Pulumi CLI, its config copied into the run directory and set for `e`. */
export async function localStack(e: Environment): Promise<PulumiCli> {
  const configFile = localConfigFile(e);
  await copyFile(join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), configFile);
  const cli = pulumiFor(e.env, configFile);
  if ((await cli.exec(["stack", "select", STACK])).code !== 0) await cli.ok(["stack", "init", STACK]);
  await configure(cli, e);
  return cli;
}

/** Engines, cluster, pulumi up; waits until every Node is initialized (or 120 s). */
export async function localUp(name = "local", log: (s: string) => void = () => {}): Promise<LocalRun> {
  const t0 = Date.now();
  const e = await up({ name, log, vcsim: LOCAL_VCSIM, cluster: true });
  const t1 = Date.now();
  log(`engines up in ${((t1 - t0) / 1000).toFixed(1)} s`);
  const cluster = await startCluster(e, { nodes: LOCAL_NODES, log });
  const t2 = Date.now();
  const cli = await localStack(e);
  log("pulumi up --stack local (waits for the DaemonSet's rollout) ...");
  await cli.up();
  const t3 = Date.now();
  log(`pulumi up done in ${((t3 - t2) / 1000).toFixed(1)} s`);
  if (cluster.ccmImageChanged) await restartCcmPods(e, String((await cli.outputs()).namespace), log);
  const rows = await waitInitialized(e, cluster, 120_000);
  const s = (a: number, b: number) => (b - a) / 1000;
  return {
    env: e,
    cluster,
    cli,
    rows,
    seconds: { engines: s(t0, t1), cluster: s(t1, t2), up: s(t2, t3), total: s(t0, Date.now()) },
  };
}

/**
 * The image's tag stays `local` when the checkout changes, so running pods keep the old image:
 * delete them, and the DaemonSet starts new ones from the image just imported.
 */
async function restartCcmPods(e: Environment, namespace: string, log: (s: string) => void): Promise<void> {
  const core = coreApi(e);
  const old = await ccmPods(core, namespace);
  for (const pod of old) {
    log(`the CCM image changed: restarting ${pod.metadata?.name}`);
    await core.deleteNamespacedPod({ namespace, name: pod.metadata?.name as string });
  }
  const names = new Set(old.map((p) => p.metadata?.name));
  const fresh = await until(
    "the restarted CCM pod to be ready",
    async () => (await ccmPods(core, namespace)).find((p) => !names.has(p.metadata?.name) && isReady(p)),
    120_000,
    250,
  );
  log(`${fresh.metadata?.name} ready`);
}

export function coreApi(e: Pick<Environment, "kube">): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(e.kube.kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

/** The table rows once every node of the cluster is initialized, or at the deadline. */
export async function waitInitialized(e: Environment, cluster: Cluster, timeoutMs: number): Promise<string[][]> {
  const core = coreApi(e);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await Promise.all(cluster.nodes.map((n) => core.readNode({ name: n.name })));
    if (nodes.every(isInitialized) || Date.now() > deadline) {
      const writers = await nodeWriters(e.kube.auditLog);
      return nodes.map((node, i) => row(node, cluster.nodes[i].vm, writers.get(cluster.nodes[i].name)));
    }
    await sleep(250);
  }
}

function row(node: V1Node, vm: string, writer: string | undefined): string[] {
  const l = node.metadata?.labels ?? {};
  return [
    node.metadata?.name ?? "-",
    vm,
    node.spec?.providerID ?? "-",
    (node.status?.addresses ?? []).map((a) => `${a.type}=${a.address}`).join(",") || "-",
    l["topology.kubernetes.io/zone"] ?? "-",
    l["topology.kubernetes.io/region"] ?? "-",
    writer ?? "-",
  ];
}

export const TABLE_HEAD = ["NODE", "VM", "PROVIDER ID", "ADDRESSES", "ZONE", "REGION", "INITIALIZED BY"];

export function table(rows: string[][]): string {
  const widths = TABLE_HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [TABLE_HEAD, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** pulumi destroy, then the nodes and the engines stopped; returns what was put back on the host. */
export async function localDown(name = "local", log: (s: string) => void = () => {}): Promise<void> {
  const env = await readEnvironment(name);
  if (env) {
    const cli = pulumiFor(env, join(runDir(name), "Pulumi.local.yaml"));
    log("pulumi destroy --stack local ...");
    await cli.destroy();
  }
  const { stopped, restored } = await downWithReport(name);
  log(`stopped ${stopped.join(", ") || "nothing"}`);
  if (restored.length) log(`put back on the host: ${restored.join("; ")}`);
}

/** The local stack's Pulumi CLI for an environment that is up (configured by localUp). */
export function localPulumi(env: Environment): PulumiCli {
  return pulumiFor(env.env, localConfigFile(env));
}

async function main(): Promise<void> {
  const log = (s: string) => console.log(`[local] ${s}`);
  if (process.argv[2] === "down") return localDown("local", log);
  const run = await localUp("local", log);
  console.log(table(run.rows));
  const s = run.seconds;
  log(
    `done in ${s.total.toFixed(1)} s (engines ${s.engines.toFixed(1)} s, images and nodes ${s.cluster.toFixed(1)} s, ` +
      `pulumi up ${s.up.toFixed(1)} s); kubectl: source ${run.env.envFile}; npm run local -- down to tear down`,
  );
  if (run.rows.some((r) => r[2] === "-")) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`local: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
