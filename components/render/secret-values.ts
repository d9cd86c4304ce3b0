// The credentials Secret in rendered YAML. Pulumi's render-to-directory writes Secrets with their
// data in the clear, so the component is always rendered with placeholders; the real password
// replaces them only in memory, on the operator's explicit choice: written in plain text
// (`--secret-values plain`) or piped through the operator's sealing command (`--seal-with`),
// whose output must not contain it.
import { spawn } from "node:child_process";
import { parseAllDocuments } from "yaml";

/** The placeholder standing for secret config key `key` (`vsphere-ccm:ccmPassword`). */
export const placeholderFor = (key: string): string => `REPLACE-WITH-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;

/** A rendered Secret's values by data key, decoded (`data` is base64, `stringData` plain). */
export function secretValues(doc: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((doc.data ?? {}) as Record<string, string>))
    out[k] = Buffer.from(v, "base64").toString("utf8");
  for (const [k, v] of Object.entries((doc.stringData ?? {}) as Record<string, string>)) out[k] = v;
  return out;
}

/**
 * The Secret document with every placeholder of `values` (placeholder -> real value) replaced,
 * in whichever of `data`/`stringData` it sits. Only whole values are replaced: a placeholder is
 * the entire value of its key.
 */
export function fillSecret(doc: Record<string, unknown>, values: ReadonlyMap<string, string>): Record<string, unknown> {
  const fill = (field: "data" | "stringData", decode: (s: string) => string, encode: (s: string) => string) => {
    const m = doc[field] as Record<string, string> | undefined;
    if (!m) return undefined;
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, encode(values.get(decode(v)) ?? decode(v))]));
  };
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
  const out = { ...doc };
  const data = fill("data", unb64, b64);
  const stringData = fill(
    "stringData",
    (s) => s,
    (s) => s,
  );
  if (data) out.data = data;
  if (stringData) out.stringData = stringData;
  return out;
}

/**
 * The Secret with its values under `stringData`, decoded: the provider renders them base64 under
 * `data`, where a placeholder cannot be read or replaced by hand or by text tooling.
 */
export function withStringData(doc: Record<string, unknown>): Record<string, unknown> {
  const { data: _data, stringData: _stringData, ...rest } = doc;
  const values = secretValues(doc);
  return Object.keys(values).length === 0 ? rest : { ...rest, stringData: values };
}

/** Whether `text` holds `secret` in plain text or base64 (what a leak through a "seal" looks like). */
export function revealsSecret(text: string, secret: string): boolean {
  return secret !== "" && (text.includes(secret) || text.includes(Buffer.from(secret, "utf8").toString("base64")));
}

/**
 * Runs the operator's sealing command (`sh -c`) with `input` on stdin and returns its stdout.
 * Refuses output that is empty, not YAML, or still holds any of `secrets`.
 */
export async function seal(command: string, input: string, secrets: readonly string[], signal: AbortSignal) {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"], signal });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
      child.on("error", reject);
      child.on("close", (c) => resolve({ code: c, stdout: out, stderr: err }));
      // A command that exits without reading all of stdin closes the pipe (EPIPE): its exit code
      // and stderr say what went wrong, so the write error itself is not the story.
      child.stdin.on("error", () => {});
      child.stdin.end(input);
    },
  );
  const what = `--seal-with ${JSON.stringify(command)}`;
  if (code !== 0) {
    // Its stderr may echo what it read: never repeat the password.
    const tail = stderr.trim().split("\n").slice(-3).join(" / ");
    const said = secrets.some((s) => revealsSecret(tail, s))
      ? "(its error output is withheld: it holds the password)"
      : tail;
    throw new Error(`${what} exited ${code}: ${said}`);
  }
  if (secrets.some((s) => revealsSecret(stdout, s)))
    throw new Error(`${what}: its output holds the password in plain text or base64; nothing was written`);
  const docs = parseAllDocuments(stdout);
  if (stdout.trim() === "" || docs.some((d) => d.errors.length > 0))
    throw new Error(`${what}: its output is not YAML (expected the sealed object on stdout)`);
  return stdout;
}
