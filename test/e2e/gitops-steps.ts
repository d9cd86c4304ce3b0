// The steps of the GitOps e2e (gitops.test.ts), as an operator takes them: kubectl and
// `npm run render` as commands, the stack configured like local.ts does it, and the CCM started
// the way the rendered DaemonSet would start its pod.
import type { V1DaemonSet, V1Node } from "@kubernetes/client-node";
import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { engine } from "../env/catalog.js";
import { isInitialized, kubeletNode, startCcm, until, type CcmProcess } from "../env/ccm.js";
import type { Environment } from "../env/environment.js";
import type { Govc } from "../env/govc.js";
import { engineBinDir } from "../env/install.js";
import { LOCAL_PASSPHRASE } from "../env/local.js";
import { REPO_ROOT } from "../env/paths.js";
import { PulumiCli } from "../env/pulumi.js";

const run = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(file: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<Run> {
  try {
    const { stdout, stderr } = await run(file, args, { ...opts, timeout: 300_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

export interface Kubectl {
  /** stdout of `kubectl <args>` as the cluster admin; throws with the output on failure. */
  (...args: string[]): Promise<string>;
  /** Exit code and both streams, never throwing. */
  exec(...args: string[]): Promise<{ code: number; out: string }>;
}

/** kubectl built with the engines, as the environment's admin. */
export function kubectlFor(e: Environment): Kubectl {
  const bin = join(engineBinDir(engine("kubernetes")), "kubectl");
  const env = { ...process.env, KUBECONFIG: e.kube.kubeconfig };
  const execK = async (...args: string[]) => {
    const r = await exec(bin, args, { env });
    return { code: r.code, out: r.stdout + r.stderr };
  };
  const ok = async (...args: string[]) => {
    const r = await execK(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.out}`);
    return r.out;
  };
  return Object.assign(ok, { exec: execK });
}

/** `npm run render -- <args>` in the repository, with the environment's Pulumi CLI on PATH. */
export const renderCmd = (env: Record<string, string>, ...args: string[]): Promise<Run> =>
  exec(process.execPath, ["--import", "tsx", "render.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE },
  });

/** The stack `local` as local.ts configures it, but with `kubernetes.deploy: false`. */
export async function gitopsStack(e: Environment): Promise<{ cli: PulumiCli; configFile: string }> {
  const env = e.env;
  const configFile = join(e.dir, "Pulumi.local.yaml");
  await copyFile(join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), configFile);
  const cli = new PulumiCli(REPO_ROOT, { ...env, PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE }, "local", [
    "--config-file",
    configFile,
  ]);
  await cli.ok(["stack", "init", "local"]);
  const settings: [string, string, boolean?][] = [
    ["vsphere:server", `${env.VCSIM_SERVER}:${env.VCSIM_PORT}`],
    ["vsphere:user", env.VCSIM_USERNAME],
    ["vsphere:password", env.VCSIM_PASSWORD, true],
    ["vsphere:caFile", env.VCSIM_CA_FILE],
    ["vsphere-ccm:vcenter.server", env.VCSIM_SERVER],
    ["vsphere-ccm:vcenter.port", env.VCSIM_PORT],
    ["vsphere-ccm:vcenter.thumbprint", env.VCSIM_THUMBPRINT_SHA256],
    ["vsphere-ccm:ccmUsername", env.VCSIM_USERNAME],
    ["vsphere-ccm:ccmPassword", env.VCSIM_PASSWORD, true],
    ["vsphere-ccm:kubernetes.deploy", "false"],
  ];
  for (const [key, value, secret] of settings)
    await cli.ok(["config", "set", ...(secret ? ["--secret"] : []), "--path", key, value]);
  return { cli, configFile };
}

/** A YAML (or JSON) file, parsed. */
export const docOf = async <T>(file: string): Promise<T> => parse(await readFile(file, "utf8")) as T;

/** A Secret file's values by key, decoded whichever of data/stringData holds them. */
export async function secretFileValues(file: string): Promise<Record<string, string>> {
  const doc = await docOf<{ data?: Record<string, string>; stringData?: Record<string, string> }>(file);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.data ?? {})) out[k] = Buffer.from(v, "base64").toString();
  return { ...out, ...doc.stringData };
}

/**
 * The CCM started as the applied DaemonSet's pod would run: the container's args, the ConfigMap's
 * files as /etc/cloud, and a token of the pod's ServiceAccount (so the rendered RBAC is what it
 * may do). Returns the process and the args it took from the DaemonSet.
 */
export async function runAsDaemonSetPod(
  e: Environment,
  kubectl: Kubectl,
  namespace: string,
): Promise<{ ccm: CcmProcess; args: string[]; daemonSet: V1DaemonSet }> {
  const get = async <T>(kind: string, name: string) =>
    JSON.parse(await kubectl("get", kind, "-n", namespace, name, "-o", "json")) as T;
  const daemonSet = await get<V1DaemonSet>("daemonset", "vsphere-cloud-controller-manager");
  const pod = daemonSet.spec?.template.spec;
  const configMap = pod?.volumes?.find((v) => v.configMap)?.configMap?.name ?? "";
  const cm = await get<{ data: Record<string, string> }>("configmap", configMap);
  const etc = join(e.dir, "etc-cloud");
  await mkdir(etc, { recursive: true });
  for (const [k, v] of Object.entries(cm.data)) await writeFile(join(etc, k), v.replaceAll("/etc/cloud/", `${etc}/`));
  const sa = String(pod?.serviceAccountName);
  const token = (await kubectl("create", "token", "-n", namespace, sa, "--duration=1h")).trim();
  const kubeconfig = join(e.dir, "rendered-sa.kubeconfig");
  await writeFile(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: l, cluster: {server: ${e.kube.server}, certificate-authority: ${e.kube.caFile}}}]\n` +
      `users: [{name: ccm, user: {token: ${token}}}]\ncontexts: [{name: l, context: {cluster: l, user: ccm}}]\ncurrent-context: l\n`,
    { mode: 0o600 },
  );
  // startCcm passes --cloud-config itself (the files above); the rest are the DaemonSet's.
  const args = (pod?.containers[0].args ?? []).filter((a) => !a.startsWith("--cloud-config="));
  const ccm = await startCcm({
    cloudConfig: join(etc, "vsphere.conf"),
    kubeconfig,
    leaseName: "cloud-controller-manager",
    pki: e.pki,
    args,
    logFile: join(e.dir, "gitops-ccm.log"),
  });
  return { ccm, args, daemonSet };
}

export interface VmNode {
  node: string;
  vm: string;
}

/** One Node per VM, registered as a kubelet would; the guest's IP and host name set with govc. */
export async function registerVmNodes(e: Environment, govc: Govc, kubectl: Kubectl): Promise<VmNode[]> {
  const vms = (await govc("find", "/", "-type", "m")).trim().split("\n").filter(Boolean).sort();
  const nodes: VmNode[] = [];
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
      `SET.guest.ipAddress=10.0.0.${i + 2}`,
      "-e",
      `SET.guest.hostName=${node}`,
    );
    const file = join(e.dir, `${node}.json`);
    await writeFile(file, JSON.stringify({ apiVersion: "v1", kind: "Node", ...kubeletNode(node, uuid) }));
    await kubectl("create", "-f", file);
    nodes.push({ node, vm: name });
  }
  return nodes;
}

/** Waits until the CCM initialized every node; rows of VM, zone, region, providerID, InternalIP. */
export function initializedRows(kubectl: Kubectl, nodes: VmNode[]): Promise<(string | undefined)[][]> {
  return until(
    "every Node initialized by the CCM",
    async () => {
      const list = JSON.parse(await kubectl("get", "nodes", "-o", "json")) as { items: V1Node[] };
      const mine = list.items.filter((n) => nodes.some((x) => x.node === n.metadata?.name));
      if (mine.length !== nodes.length || !mine.every((n) => isInitialized(n))) return undefined;
      return mine.map((n) => [
        nodes.find((x) => x.node === n.metadata?.name)?.vm,
        n.metadata?.labels?.["topology.kubernetes.io/zone"],
        n.metadata?.labels?.["topology.kubernetes.io/region"],
        n.spec?.providerID,
        n.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
      ]);
    },
    120_000,
    250,
  );
}
