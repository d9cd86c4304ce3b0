// The command line of `npm run render`: parsed in full before anything runs, every problem
// reported at once with the fix, as the stack config is.
import { join } from "node:path";

/** What goes into the credentials Secret's password values. */
export type SecretValues = "placeholder" | "plain";

export interface RenderArgs {
  /** The stack whose config is rendered (`stacks/Pulumi.<stack>.yaml`). */
  stack: string;
  /** The stack config file; default `stacks/Pulumi.<stack>.yaml` under the project directory. */
  configFile: string;
  /** Where the YAML files go; default `manifests/<stack>` under the project directory. */
  out: string;
  /** Placeholders (default) or the stack's real password (`plain`, explicitly asked for). */
  secretValues: SecretValues;
  /**
   * A shell command that seals the Secret: it reads the Secret (real values) on stdin and writes
   * what replaces it (e.g. a SealedSecret) on stdout. The plain Secret never touches the disk.
   */
  sealWith?: string;
}

export const USAGE = `usage: npm run render -- --stack <name> [--out DIR] [--config-file FILE]
                      [--secret-values placeholder|plain] [--seal-with '<command>']

Writes the Kubernetes objects of the stack's cloud-controller-manager as YAML files, in the
order to apply them (kubectl apply -f DIR). The credentials Secret holds placeholders unless
--secret-values plain (the real password, in plain text) or --seal-with (the real password,
piped through your sealing command, e.g. 'kubeseal --format yaml --cert pub-cert.pem').`;

const FLAGS = new Set(["--stack", "--out", "--config-file", "--secret-values", "--seal-with"]);

/** Parses `argv` (after `--`); throws one error naming every problem. */
export function parseRenderArgs(argv: readonly string[], projectDir: string): RenderArgs {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    if (!FLAGS.has(flag)) {
      problems.push(`${argv[i]}: unknown argument`);
      continue;
    }
    // A flag right after a flag is the next flag, not this one's value.
    const value = inline ?? (argv[i + 1]?.startsWith("--") ? undefined : argv[++i]);
    if (value === undefined || value === "") problems.push(`${flag}: needs a value`);
    else values.set(flag, value);
  }
  const stack = values.get("--stack");
  if (!stack && !problems.some((p) => p.startsWith("--stack")))
    problems.push("--stack: required, the stack to render (stacks/Pulumi.<stack>.yaml)");
  const secretValues = values.get("--secret-values") ?? "placeholder";
  if (secretValues !== "placeholder" && secretValues !== "plain")
    problems.push(`--secret-values: ${JSON.stringify(secretValues)} is not placeholder or plain`);
  const sealWith = values.get("--seal-with");
  if (sealWith !== undefined && secretValues === "plain")
    problems.push("--seal-with: drop --secret-values plain; sealing already uses the real password");
  if (problems.length > 0) throw new Error(`${problems.join("\n")}\n\n${USAGE}`);
  return {
    stack: stack as string,
    configFile: values.get("--config-file") ?? join(projectDir, "stacks", `Pulumi.${stack}.yaml`),
    out: values.get("--out") ?? join(projectDir, "manifests", stack as string),
    secretValues: secretValues as SecretValues,
    sealWith,
  };
}
