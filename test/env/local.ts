// npm run local [-- down]: the main job against the local engines. Engines up -> `pulumi up
// --stack local` -> the CCM built from this repo as a process, with the ConfigMap and Secret that
// Pulumi created and a token of the ServiceAccount Pulumi made (so its RBAC is what runs) -> one
// uninitialized Node per simulated VM, registered as a kubelet would -> a table of the result.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { down, readEnvironment, runDir, up, type Environment } from "./environment.js";
import { govcFor } from "./govc.js";
import { freePort } from "./net.js";
import { isInitialized, kubeletNode } from "./ccm.js";
import { REPO_ROOT } from "./paths.js";
import { startProc, stopProc } from "./proc.js";
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

async function configure(cli: PulumiCli, env: Record<string, string>): Promise<void> {
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
}

export interface LocalRun {
  env: Environment;
  cli: PulumiCli;
  /** node, VM, providerID, InternalIP, zone, region (`-` where unset). */
  rows: string[][];
  seconds: { up: number; total: number };
}

/** Local inventory: 2 datacenters x 2 clusters, one host and one VM each (stacks/Pulumi.local.yaml). */
export const LOCAL_VCSIM = { datacenters: 2, clustersPerDatacenter: 2, hostsPerCluster: 1, vmsPerPool: 1 };

/** Engines up (unless already), pulumi up, the CCM as a process, Nodes registered; waits for them. */
export async function localUp(name = "local", log: (s: string) => void = () => {}): Promise<LocalRun> {
  const t0 = Date.now();
  const e = await up({ name, log, vcsim: LOCAL_VCSIM });
  const dir = e.dir;
  const configFile = join(dir, "Pulumi.local.yaml");
  await copyFile(join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), configFile);
  const cli = pulumiFor(e.env, configFile);
  if ((await cli.exec(["stack", "select", STACK])).code !== 0) await cli.ok(["stack", "init", STACK]);
  await configure(cli, e.env);
  log("pulumi up --stack local ...");
  const u0 = Date.now();
  await cli.up();
  const upSeconds = (Date.now() - u0) / 1000;
  log(`pulumi up done in ${upSeconds.toFixed(1)} s`);
  const out = await cli.outputs();

  // What the DaemonSet's pod would see: the ConfigMap mounted at /etc/cloud, and its ServiceAccount.
  const kc = new KubeConfig();
  kc.loadFromFile(e.kube.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const ns = String(out.namespace);
  const cm = await core.readNamespacedConfigMap({ namespace: ns, name: String(out.configMapName) });
  const etc = join(dir, "etc-cloud");
  await mkdir(etc, { recursive: true });
  for (const [k, v] of Object.entries(cm.data ?? {}))
    await writeFile(join(etc, k), v.replaceAll("/etc/cloud/", `${etc}/`));
  const sa = "cloud-controller-manager";
  const token = await core.createNamespacedServiceAccountToken({
    namespace: ns,
    name: sa,
    body: { spec: { audiences: [], expirationSeconds: 86400 } },
  });
  const saKubeconfig = join(dir, "ccm.kubeconfig");
  await writeFile(
    saKubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: local, cluster: {server: ${e.kube.server}, certificate-authority: ${e.kube.caFile}}}]\n` +
      `users: [{name: ccm, user: {token: ${token.status?.token}}}]\ncontexts: [{name: local, context: {cluster: local, user: ccm}}]\ncurrent-context: local\n`,
    { mode: 0o600 },
  );
  await stopProc(dir, "ccm");
  await startProc({
    name: "ccm",
    command: process.execPath,
    dir,
    args: [
      join(REPO_ROOT, "bin", "vsphere-cloud-controller-manager.js"),
      "--cloud-provider=vsphere",
      "--v=2",
      `--cloud-config=${join(etc, "vsphere.conf")}`,
      `--kubeconfig=${saKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${await freePort()}`,
    ],
  });

  // One Node per VM, registered like a kubelet; VMware Tools' IP and host name simulated with govc.
  const govc = govcFor(e.env);
  const vms = (await govc("find", "/", "-type", "m")).trim().split("\n").filter(Boolean).sort();
  const nodes: { node: string; vm: string }[] = [];
  for (const [i, path] of vms.entries()) {
    const info = await govc.json<{ virtualMachines: { config: { uuid: string; name: string } }[] }>(
      "vm.info",
      "-json",
      path,
    );
    const { uuid, name } = info.virtualMachines[0].config;
    const node = name.toLowerCase().replace(/_/g, "-");
    await govc(
      "vm.change",
      "-vm",
      path,
      "-e",
      `SET.guest.ipAddress=10.0.${i >> 8}.${(i % 250) + 2}`,
      "-e",
      `SET.guest.hostName=${node}`,
    );
    await core.deleteNode({ name: node }).catch(() => {});
    await core.createNode({ body: kubeletNode(node, uuid) });
    nodes.push({ node, vm: name });
  }
  const deadline = Date.now() + 120_000;
  let rows: string[][] = [];
  for (;;) {
    rows = [];
    let done = 0;
    for (const n of nodes) {
      const node = await core.readNode({ name: n.node });
      const ready = isInitialized(node);
      if (ready) done++;
      const l = node.metadata?.labels ?? {};
      rows.push([
        n.node,
        n.vm,
        node.spec?.providerID ?? "-",
        node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "-",
        l["topology.kubernetes.io/zone"] ?? "-",
        l["topology.kubernetes.io/region"] ?? "-",
      ]);
    }
    if (done === nodes.length || Date.now() > deadline) break;
    await sleep(250);
  }
  return { env: e, cli, rows, seconds: { up: upSeconds, total: (Date.now() - t0) / 1000 } };
}

export function table(rows: string[][]): string {
  const head = ["NODE", "VM", "PROVIDER ID", "INTERNAL IP", "ZONE", "REGION"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** pulumi destroy, then the CCM and the engines stopped. */
export async function localDown(name = "local", log: (s: string) => void = () => {}): Promise<void> {
  const env = await readEnvironment(name);
  const dir = runDir(name);
  await stopProc(dir, "ccm");
  if (env) {
    const cli = pulumiFor(env, join(dir, "Pulumi.local.yaml"));
    log("pulumi destroy --stack local ...");
    await cli.destroy();
  }
  log(`stopped ${(await down(name)).join(", ") || "nothing"}`);
}

/** The local stack's Pulumi CLI for an environment that is up. */
export function localPulumi(env: Environment): PulumiCli {
  return pulumiFor(env.env, join(env.dir, "Pulumi.local.yaml"));
}

async function main(): Promise<void> {
  const log = (s: string) => console.log(`[local] ${s}`);
  if (process.argv[2] === "down") return localDown("local", log);
  const run = await localUp("local", log);
  console.log(table(run.rows));
  log(
    `done in ${run.seconds.total.toFixed(1)} s (pulumi up ${run.seconds.up.toFixed(1)} s); the CCM keeps running ` +
      `(log: ${join(run.env.dir, "ccm.log")}); source ${run.env.envFile} to use the engines; npm run local -- down to tear down`,
  );
  if (run.rows.some((r) => r[2] === "-")) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`local: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
