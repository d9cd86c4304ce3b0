// Runs the locally built Pulumi CLI against a project directory with a file backend.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PulumiResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Commands that take the extra arguments (`stack init` and friends do not know --config-file). */
const WITH_EXTRA = new Set(["config", "up", "preview", "refresh", "destroy"]);

export class PulumiCli {
  constructor(
    /** Project directory (holds Pulumi.yaml). */
    readonly cwd: string,
    /** Variables from the environment's env file (PATH, PULUMI_*, KUBECONFIG, ...). */
    readonly env: Record<string, string>,
    readonly stack: string,
    /** Arguments added to every command, e.g. ["--config-file", path]. */
    readonly extraArgs: string[] = [],
  ) {}

  /** Runs `pulumi <args>`; resolves with the exit code instead of throwing. */
  async exec(args: string[], timeoutMs = 300_000): Promise<PulumiResult> {
    try {
      const { stdout, stderr } = await run(
        "pulumi",
        [...args, ...(WITH_EXTRA.has(args[0]) ? this.extraArgs : []), "--non-interactive", "--color=never"],
        {
          cwd: this.cwd,
          env: {
            ...process.env,
            ...this.env,
            // The language host built here predates runtime options; this is what the project's
            // Pulumi.yaml asks for (`nodeargs: --import tsx`, `typescript: false`).
            NODE_OPTIONS: "--import tsx",
          },
          timeout: timeoutMs,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string };
      return { stdout: e.stdout ?? "", stderr: e.stderr ?? String(err), code: typeof e.code === "number" ? e.code : 1 };
    }
  }

  /** Like exec, but throws with the tail of the output on a non-zero exit. */
  async ok(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.exec(args, timeoutMs);
    if (r.code !== 0) {
      const tail = `${r.stdout}\n${r.stderr}`.split("\n").slice(-40).join("\n");
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${tail}`);
    }
    return r.stdout;
  }

  async init(config: Record<string, string>, secrets: Record<string, string> = {}): Promise<void> {
    await this.ok(["stack", "init", this.stack]);
    for (const [k, v] of Object.entries(config)) await this.ok(["config", "set", "--stack", this.stack, k, v]);
    for (const [k, v] of Object.entries(secrets))
      await this.ok(["config", "set", "--stack", this.stack, "--secret", k, v]);
  }

  up = () => this.ok(["up", "--stack", this.stack, "--yes", "--skip-preview"]);
  preview = (...extra: string[]) => this.exec(["preview", "--stack", this.stack, ...extra]);
  refresh = () => this.ok(["refresh", "--stack", this.stack, "--yes"]);
  destroy = () => this.ok(["destroy", "--stack", this.stack, "--yes"]);
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.ok(["stack", "output", "--stack", this.stack, "--json", "--show-secrets"])) as Record<
      string,
      unknown
    >;
  }
  async removeStack(): Promise<void> {
    await this.exec(["stack", "rm", this.stack, "--yes", "--force"]);
  }
}
