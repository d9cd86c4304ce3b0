// JSON lines on stderr, like Kubernetes components with --logging-format=json: one object per
// event with ts, level (klog verbosity: v), msg and fields. --v picks how much is written.
export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Written when --v >= level (2: changes, 4: debug, 6: every call). */
  v(level: number, msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

function errorFields(v: unknown): unknown {
  if (!(v instanceof Error)) return v;
  const cause = (v as { cause?: unknown }).cause;
  return { name: v.name, message: v.message, ...(cause ? { cause: errorFields(cause) } : {}) };
}

export function createLogger(opts: {
  verbosity: number;
  write?: (line: string) => void;
  base?: Record<string, unknown>;
}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: string, v: number, msg: string, fields: Record<string, unknown> = {}) => {
    const out: Record<string, unknown> = { ts: new Date().toISOString(), level, v, msg, ...opts.base };
    for (const [k, val] of Object.entries(fields)) out[k] = errorFields(val);
    write(JSON.stringify(out));
  };
  return {
    error: (msg, f) => emit("error", 0, msg, f),
    info: (msg, f) => emit("info", 0, msg, f),
    v: (level, msg, f) => {
      if (opts.verbosity >= level) emit(level >= 4 ? "debug" : "info", level, msg, f);
    },
    with: (fields) => createLogger({ ...opts, write, base: { ...opts.base, ...fields } }),
  };
}
