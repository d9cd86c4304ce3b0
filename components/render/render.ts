// `npm run render`: the Kubernetes objects of a stack's CloudControllerManager as YAML files,
// made by the same component `pulumi up` runs (args through the same `ccmArgsOf`), through
// @pulumi/kubernetes' own render-to-directory support: an inline Pulumi program with a
// Kubernetes provider set to `renderYamlToDirectory`, on a throwaway local stack that is removed
// afterwards. Nothing talks to a cluster or to vCenter, and the stack's own state is not used.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as k8s from "@pulumi/kubernetes";
import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { Document, parse } from "yaml";
import { VERSION } from "../kubernetes/args.js";
import { CloudControllerManager } from "../kubernetes/cloud-controller-manager.js";
import { formatProblems, validateArgs } from "../kubernetes/validate.js";
import { readStackConfig } from "../stack-config.js";
import { ccmArgsOf, type VsphereCloudProviderArgs } from "../vsphere-cloud-provider.js";
import type { RenderArgs } from "./cli-args.js";
import { fileName, inApplyOrder, prepareOut, readRendered, writeOut, type RenderedObject } from "./layout.js";
import { fillSecret, placeholderFor, seal, withStringData } from "./secret-values.js";
import { readStackFile, stackFileSource, type StackFileConfig } from "./stack-file.js";

const run = promisify(execFile);

export interface RenderContext {
  /** The project directory (Pulumi.yaml, stacks/). */
  projectDir: string;
  /** Variables for the Pulumi CLI (PATH, PULUMI_HOME, ...). */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface RenderResult {
  /** File names written under `out`, in apply order. */
  files: string[];
  /** Whether a file holds the password in plain text (`--secret-values plain`). */
  plainSecret: boolean;
}

async function projectName(projectDir: string): Promise<string> {
  const doc = parse(await readFile(join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: string };
  if (!doc?.name) throw new Error(`${join(projectDir, "Pulumi.yaml")}: no project name`);
  return doc.name;
}

/** The stack's arguments with every secret a placeholder; the secret keys read, in `secretKeys`. */
function stackArgs(config: StackFileConfig, project: string, secretKeys: Set<string>): VsphereCloudProviderArgs {
  const source = stackFileSource(config, project, (key) => {
    secretKeys.add(key);
    return placeholderFor(key);
  });
  return readStackConfig(source);
}

/** The real value of each secret key, from the stack (`pulumi config get`): only when asked for. */
async function realSecrets(keys: Set<string>, a: RenderArgs, ctx: RenderContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of keys) {
    const { stdout } = await run("pulumi", ["config", "get", key, "--stack", a.stack, "--config-file", a.configFile], {
      cwd: ctx.projectDir,
      env: ctx.env,
      signal: ctx.signal,
    }).catch((err: unknown) => {
      // A failed `config get` printed no value, only why (no such stack, wrong passphrase, ...).
      const e = err as { code?: unknown; stderr?: string };
      const why =
        e.code === "ENOENT" ? "the pulumi CLI is not on PATH" : (e.stderr ?? "").trim().split("\n")[0] || "no answer";
      throw new Error(
        `pulumi config get ${key} --stack ${a.stack}: cannot read the real value (${why}); it is needed for ` +
          "--secret-values plain and --seal-with (set it with pulumi config set --secret, or render with placeholders)",
        { cause: err },
      );
    });
    out.set(placeholderFor(key), stdout.replace(/\n$/, ""));
  }
  return out;
}

/** Runs the component through the Kubernetes provider's render-to-directory into `dir`. */
async function renderWithPulumi(config: StackFileConfig, project: string, dir: string, ctx: RenderContext) {
  const program = async () => {
    const args = stackArgs(config, project, new Set());
    // Rendered objects are applied by someone else: no Pulumi await annotations in them.
    const ccmArgs = { ...ccmArgsOf(args), skipAwait: false };
    // kubeconfig "" so the SDK does not fill in $KUBECONFIG, which the provider refuses here.
    const provider = new k8s.Provider("render", { renderYamlToDirectory: join(dir, "yaml"), kubeconfig: "" });
    new CloudControllerManager(`${project}-ccm`, ccmArgs, { providers: { kubernetes: provider } });
    return Promise.resolve({});
  };
  await mkdir(join(dir, "work"));
  await mkdir(join(dir, "state"));
  const stack = await LocalWorkspace.createStack(
    { stackName: "render", projectName: `${project}-render`, program },
    {
      workDir: join(dir, "work"),
      projectSettings: {
        name: `${project}-render`,
        runtime: "nodejs",
        backend: { url: `file://${join(dir, "state")}` },
      },
      envVars: {
        ...(ctx.env as Record<string, string>),
        // A throwaway stack in a throwaway backend, whatever backend the operator is logged in to.
        PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
        // Rendering talks to no cluster; the provider refuses a kubeconfig beside renderYamlToDirectory.
        KUBECONFIG: "",
      },
    },
  );
  await stack.up({ signal: ctx.signal, onOutput: () => {} });
  return readRendered(join(dir, "yaml"));
}

function header(o: RenderedObject, stack: string): string {
  const where = o.namespace ? `${o.namespace}/${o.name}` : o.name;
  return `# ${o.kind} ${where}: rendered by \`npm run render -- --stack ${stack}\` (vsphere-cloud-provider ${VERSION}).\n# Render again rather than editing: Pulumi's CloudControllerManager makes the same object.\n`;
}

const PLACEHOLDER_NOTE =
  "# Values starting with REPLACE-WITH- are placeholders: set them before applying, or render with\n" +
  "# --seal-with '<your sealing command>' (or --secret-values plain, which writes the password in clear).\n";

/** The files to write: name -> YAML text, the Secret filled or sealed as asked. */
async function filesOf(objects: RenderedObject[], a: RenderArgs, secrets: Map<string, string>, ctx: RenderContext) {
  const files = new Map<string, string>();
  const text = (doc: Record<string, unknown>) => new Document(doc).toString({ lineWidth: 0 });
  for (const o of inApplyOrder(objects)) {
    if (o.kind !== "Secret") {
      files.set(fileName(o), header(o, a.stack) + text(o.doc));
      continue;
    }
    const secret = withStringData(o.doc);
    if (a.sealWith) {
      const sealed = await seal(a.sealWith, text(fillSecret(secret, secrets)), [...secrets.values()], ctx.signal);
      files.set(fileName(o).replace(/\.yaml$/, "-sealed.yaml"), header(o, a.stack) + sealed);
    } else if (a.secretValues === "plain") {
      files.set(fileName(o), header(o, a.stack) + text(fillSecret(secret, secrets)));
    } else {
      files.set(fileName(o), header(o, a.stack) + PLACEHOLDER_NOTE + text(secret));
    }
  }
  return files;
}

/** Renders the stack's Kubernetes objects into `a.out`. */
export async function render(a: RenderArgs, ctx: RenderContext): Promise<RenderResult> {
  const project = await projectName(ctx.projectDir);
  const config = await readStackFile(a.configFile);
  // The checks `pulumi up` makes, before any engine runs: the stack config, then the component's.
  const secretKeys = new Set<string>();
  let args: VsphereCloudProviderArgs;
  try {
    args = stackArgs(config, project, secretKeys);
  } catch (err) {
    throw new Error(`${a.configFile}: ${(err as Error).message}`, { cause: err });
  }
  const { problems } = validateArgs(ccmArgsOf(args));
  if (problems.length > 0) throw new Error(`stack ${a.stack}: ${formatProblems(problems)}`);
  const secrets =
    a.sealWith || a.secretValues === "plain" ? await realSecrets(secretKeys, a, ctx) : new Map<string, string>();

  const tmp = await mkdtemp(join(tmpdir(), "vsphere-ccm-render-"));
  try {
    ctx.log(`rendering stack ${a.stack} (${a.configFile}) with @pulumi/kubernetes' renderYamlToDirectory ...`);
    const objects = await renderWithPulumi(config, project, tmp, ctx);
    if (objects.filter((o) => o.kind === "Secret").length !== 1)
      throw new Error(
        `expected one Secret among the rendered objects, found ${objects.filter((o) => o.kind === "Secret").length}`,
      );
    const files = await filesOf(objects, a, secrets, ctx);
    await prepareOut(a.out);
    const plainSecret = !a.sealWith && a.secretValues === "plain";
    // A file holding the password in clear is readable by its owner only.
    await writeOut(a.out, files, plainSecret ? [...files.keys()].filter((f) => f.includes("-secret-")) : []);
    return { files: [...files.keys()], plainSecret };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
