// A local environment: vcsim + etcd + kube-apiserver (+ kube-controller-manager) in one run
// directory, described by an env file for shells (env.sh) and for code (env.json).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { engine } from "./catalog.js";
import { readCluster, stopCluster } from "./cluster.js";
import { engineBinDir, installEngines } from "./install.js";
import { readKube, startKube, stopKube, KUBE_PROCS, type Kube } from "./kube.js";
import { cachePaths, REPO_ROOT } from "./paths.js";
import { ensurePki, type Pki } from "./pki.js";
import { logFile, readPid, running, stopProc, tailFile } from "./proc.js";
import { startVcsim, VCSIM_DEFAULTS, type Vcsim, type VcsimOptions } from "./vcsim.js";

export interface Environment {
  name: string;
  dir: string;
  pki: Pki;
  vcsim: Vcsim;
  kube: Kube;
  /** Variables for child processes: vCenter, Kubernetes, Pulumi and PATH. */
  env: Record<string, string>;
  envFile: string;
}

export function runDir(name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new Error(`environment name ${JSON.stringify(name)}: use letters, digits, . _ -`);
  return join(cachePaths().run, name);
}

/** Directories holding the engine binaries, plus @pulumi/pulumi for its dynamic-provider plugin script. */
export function enginePath(): string[] {
  return [
    engineBinDir(engine("pulumi")),
    engineBinDir(engine("pulumi-language-nodejs")),
    engineBinDir(engine("pulumi-kubernetes")),
    engineBinDir(engine("govmomi")),
    engineBinDir(engine("actionlint")),
    engineBinDir(engine("kubernetes")), // kubectl
    join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"),
    join(REPO_ROOT, "node_modules", ".bin"),
  ];
}

async function passphrase(dir: string): Promise<string> {
  const f = join(dir, "pulumi-passphrase");
  if (!existsSync(f)) await writeFile(f, randomBytes(16).toString("hex"), { mode: 0o600 });
  return (await readFile(f, "utf8")).trim();
}

export async function environmentVariables(dir: string, v: Vcsim, k: Kube): Promise<Record<string, string>> {
  const state = join(dir, "pulumi-state");
  await mkdir(state, { recursive: true });
  return {
    VCSIM_URL: v.url,
    VCSIM_SERVER: v.host,
    VCSIM_PORT: String(v.port),
    VCSIM_USERNAME: v.username,
    VCSIM_PASSWORD: v.password,
    VCSIM_CA_FILE: v.caFile,
    VCSIM_THUMBPRINT: v.thumbprintSha1,
    VCSIM_THUMBPRINT_SHA256: v.thumbprintSha256,
    GOVC_URL: v.url,
    GOVC_USERNAME: v.username,
    GOVC_PASSWORD: v.password,
    GOVC_TLS_CA_CERTS: v.caFile,
    KUBECONFIG: k.kubeconfig,
    KUBE_SERVER: k.server,
    KUBE_CA_FILE: k.caFile,
    KUBE_ADMIN_TOKEN: k.adminToken,
    KUBE_AUDIT_LOG: k.auditLog,
    PULUMI_HOME: cachePaths().pulumiHome,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: await passphrase(dir),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PATH: [...enginePath(), process.env.PATH ?? ""].join(delimiter),
  };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface UpOptions {
  name?: string;
  vcsim?: VcsimOptions;
  controllerManager?: boolean;
  /** Also what pods need (kube-scheduler, more controllers); the nodes come from test/env/cluster.ts. */
  cluster?: boolean;
  log?: (s: string) => void;
}

/** Installs what is missing, starts the engines (idempotent) and writes the env file. */
export async function up(opts: UpOptions = {}): Promise<Environment> {
  const name = opts.name ?? "default";
  const dir = runDir(name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await installEngines({ log: opts.log });
  const pki = await ensurePki(join(dir, "pki"));
  const [vcsim, kube] = await Promise.all([
    startVcsim(dir, pki, opts.vcsim),
    startKube(dir, pki, { controllerManager: opts.controllerManager, cluster: opts.cluster }),
  ]);
  const env = await environmentVariables(dir, vcsim, kube);
  const envFile = join(dir, "env.sh");
  const lines = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  await writeFile(envFile, `# ${name}: source this file to use the local engines\n${lines.join("\n")}\n`, {
    mode: 0o600,
  });
  await writeFile(join(dir, "env.json"), JSON.stringify(env, null, 2), { mode: 0o600 });
  return { name, dir, pki, vcsim, kube, env, envFile };
}

/** Names of processes a run directory may hold (PID files). */
async function procNames(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith(".pid")).map((f) => f.slice(0, -4));
}

/** Stops every process the environment started and removes its data; idempotent. */
export async function down(name = "default"): Promise<string[]> {
  return (await downWithReport(name)).stopped;
}

/** `down`, also saying what was put back on the host after the last local cluster stopped. */
export async function downWithReport(name = "default"): Promise<{ stopped: string[]; restored: string[] }> {
  const dir = runDir(name);
  const stopped: string[] = [];
  // Kubelets and containers first, while the apiserver still answers them.
  const cluster = await readCluster(dir);
  const restored = await stopCluster(dir);
  if (cluster) stopped.push(...cluster.nodes.map((n) => `node ${n.name}`));
  for (const p of await procNames(dir))
    if (!KUBE_PROCS.includes(p as never) && (await stopProc(dir, p))) stopped.push(p);
  for (const p of KUBE_PROCS) if (running(dir, p) !== undefined) stopped.push(p);
  await stopKube(dir);
  await rm(dir, { recursive: true, force: true });
  return { stopped, restored };
}

export interface ProcStatus {
  name: string;
  state: "running" | "stopped" | "crashed";
  pid?: number;
  logTail?: string;
}

/** What runs in an environment; a PID file whose process is gone is reported as crashed with its log. */
export async function status(name = "default"): Promise<ProcStatus[]> {
  const dir = runDir(name);
  const out: ProcStatus[] = [];
  const nodes = (await readCluster(dir))?.nodes ?? [];
  const places = [{ dir, prefix: "" }, ...nodes.map((n) => ({ dir: n.dir, prefix: `${n.name}/` }))];
  for (const { dir, prefix } of places) out.push(...(await procStatuses(dir, prefix)));
  return out;
}

async function procStatuses(dir: string, prefix: string): Promise<ProcStatus[]> {
  const out: ProcStatus[] = [];
  for (const p of await procNames(dir)) {
    const pid = running(dir, p);
    const name = `${prefix}${p}`;
    if (pid !== undefined) out.push({ name, state: "running", pid });
    else if (readPid(dir, p)) out.push({ name, state: "crashed", logTail: await tailFile(logFile(dir, p), 10) });
    else out.push({ name, state: "stopped" });
  }
  return out;
}

export async function readEnvironment(name = "default"): Promise<Record<string, string> | undefined> {
  const f = join(runDir(name), "env.json");
  return existsSync(f) ? (JSON.parse(await readFile(f, "utf8")) as Record<string, string>) : undefined;
}

export { readKube, VCSIM_DEFAULTS };
