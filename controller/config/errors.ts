// ConfigError: every problem with a configuration, thrown once.
import type { ConfigProblem } from "./types.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly ConfigProblem[];

  /**
   * @param opts.secrets values that must not appear in the message (passwords); they are replaced by
   *   `<redacted>` should a problem text ever contain one.
   * @param opts.subject what the problems are about, for the first line (default "the cloud config").
   */
  constructor(
    problems: readonly ConfigProblem[],
    opts: { secrets?: readonly string[]; subject?: string; cause?: unknown } = {},
  ) {
    const { secrets = [], subject = "the cloud config" } = opts;
    const clean = problems.map((p) => ({
      ...p,
      key: redact(p.key, secrets),
      message: redact(p.message, secrets),
      fix: redact(p.fix, secrets),
    }));
    super(formatProblems(clean, subject), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.problems = clean;
  }
}

export function formatProblems(problems: readonly ConfigProblem[], subject = "the cloud config"): string {
  const n = problems.length;
  const head = `${subject} has ${n} problem${n === 1 ? "" : "s"}:`;
  return [head, ...problems.map((p) => `  - ${p.key}: ${p.message}. Fix: ${p.fix}`)].join("\n");
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a password containing another password is removed whole.
  for (const s of [...secrets].filter((x) => x.length >= 3).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join("<redacted>");
  }
  return out;
}

/** Removes duplicates (same key and message), keeping the first: inherited values repeat per vCenter. */
export function uniqueByKey<T extends { key: string; message: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((p) => {
    const id = `${p.key}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
