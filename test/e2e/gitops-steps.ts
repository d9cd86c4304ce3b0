// The steps of the GitOps e2e (gitops.test.ts), as an operator takes them: kubectl and
// `npm run render` as commands, and the stack configured as `npm run local` does it.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { engine } from "../env/catalog.js";
import type { Environment } from "../env/environment.js";
import { engineBinDir } from "../env/install.js";
import { LOCAL_PASSPHRASE, localConfigFile, localStack } from "../env/local.js";
import { REPO_ROOT } from "../env/paths.js";
import type { PulumiCli } from "../env/pulumi.js";

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

/** The stack `local` as `npm run local` configures it (local.ts), but with `kubernetes.deploy: false`. */
export async function gitopsStack(e: Environment): Promise<{ cli: PulumiCli; configFile: string }> {
  const cli = await localStack(e);
  await cli.ok(["config", "set", "--path", "vsphere-ccm:kubernetes.deploy", "false"]);
  return { cli, configFile: localConfigFile(e) };
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
