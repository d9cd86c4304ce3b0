// The bridge between the serialized dynamic provider (provider.ts) and a resource's operations:
// `check` and `diff` are pure (no settings, no connection: they run in previews with unknown
// inputs and without credentials); the CRUD operations get settings resolved at call time, a
// connection opened for that one call, and a deadline.
//
// One exception, opt-in per resource: `verify` asks vCenter what only vCenter can tell (does
// this principal exist?) so `pulumi preview` fails early. It never turns "could not ask" into a
// failure: without settings, with vCenter unreachable, a login or a privilege refused, the check
// passes with one warning on stderr (the engine shows a dynamic provider's stderr in its output)
// and `create` meets the real problem later. Previews of unchanged resources ask nothing.
import { resolveSettings, withVcenter, type ConfigSource, type VcenterConnection } from "./connection.js";
import type { CheckFailure, CheckResult, DiffDecision } from "./inputs.js";

/** How long one provider operation may take before it is abandoned. */
export const OPERATION_TIMEOUT_MS = 5 * 60_000;

/** How long `verify` may take: a preview should not hang on an unreachable vCenter. */
export const VERIFY_TIMEOUT_MS = 20_000;

export interface OpContext {
  vc: VcenterConnection;
  signal: AbortSignal;
}

/** The vCenter question of a `verify`. */
export interface VcenterCheck {
  /** What is checked, for the warning when vCenter cannot be asked: `user "DOMAIN\\u" exists`. */
  subject: string;
  /** Failures when vCenter says no, none when it says yes; throws when it cannot be asked. */
  ask(ctx: OpContext): Promise<CheckFailure[]>;
}

/** A resource's logic: `I` the checked inputs, `O` the outputs (state) of the resource. */
export interface ResourceOps<I, O> {
  /** Validates and normalizes inputs; never does I/O. */
  check(news: Record<string, unknown>): CheckResult<I>;
  /**
   * Optional: what to ask vCenter about inputs `check` accepted, or undefined when nothing needs
   * asking (unknown values, or nothing vCenter could object to changed since `olds`, the inputs
   * the engine recorded; `{}` for a new resource). Never does I/O itself.
   */
  verify?(inputs: I, olds: Record<string, unknown>): VcenterCheck | undefined;
  /** Decides update or replace from the recorded outputs and the new inputs; never does I/O. */
  diff(olds: O, news: I): DiffDecision;
  create(ctx: OpContext, inputs: I): Promise<{ id: string; outs: O }>;
  /** The resource as vCenter has it now; undefined when it is gone. */
  read(ctx: OpContext, id: string, props: O): Promise<O | undefined>;
  update(ctx: OpContext, id: string, olds: O, news: I): Promise<O>;
  delete(ctx: OpContext, id: string, props: O): Promise<void>;
}

type Props = Record<string, unknown>;

/** What provider.ts calls, the config being what `configure` received (undefined on old engines). */
export interface ProviderHandlers {
  check(config: ConfigSource | undefined, olds: Props, news: Props): Promise<CheckResult<unknown>>;
  diff(config: ConfigSource | undefined, id: string, olds: Props, news: Props): Promise<DiffDecision>;
  create(config: ConfigSource | undefined, inputs: Props): Promise<{ id: string; outs: unknown }>;
  read(config: ConfigSource | undefined, id: string, props: Props): Promise<{ id: string; props: unknown }>;
  update(config: ConfigSource | undefined, id: string, olds: Props, news: Props): Promise<{ outs: unknown }>;
  delete(config: ConfigSource | undefined, id: string, props: Props): Promise<void>;
}

async function connected<T>(config: ConfigSource | undefined, use: (ctx: OpContext) => Promise<T>): Promise<T> {
  const settings = resolveSettings(config, process.env);
  const signal = AbortSignal.timeout(OPERATION_TIMEOUT_MS);
  return withVcenter(settings, (vc) => use({ vc, signal }));
}

/** Writes a warning once per provider process (several resources may hit the same one). */
function warner(write: (line: string) => void): (message: string) => void {
  const said = new Set<string>();
  return (message) => {
    if (said.has(message)) return;
    said.add(message);
    write(`warning: ${message}\n`);
  };
}

async function askVcenter(config: ConfigSource | undefined, check: VcenterCheck): Promise<CheckFailure[]> {
  const settings = resolveSettings(config, process.env);
  const signal = AbortSignal.timeout(VERIFY_TIMEOUT_MS);
  return withVcenter(settings, (vc) => check.ask({ vc, signal }));
}

/** An error as one line (the settings error lists its problems on several). */
const oneLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).replace(/:\s*\n\s*-\s*/g, ": ").replace(/\s*\n\s*-?\s*/g, "; ");

/**
 * Wraps a resource's operations as the handlers its dynamic provider calls. `write` receives the
 * warnings of `verify` (stderr by default; a test passes its own).
 */
export function providerHandlers<I, O>(
  ops: ResourceOps<I, O>,
  write: (line: string) => void = (line) => process.stderr.write(line),
): ProviderHandlers {
  const warn = warner(write);
  // Inputs and state arrive as the engine stored them; ops.check produced them, so the casts hold.
  return {
    check: async (config, olds, news) => {
      const checked = ops.check(news);
      const verify = checked.failures.length === 0 ? ops.verify?.(checked.inputs, olds) : undefined;
      if (!verify) return checked;
      try {
        return { inputs: checked.inputs, failures: await askVcenter(config, verify) };
      } catch (err) {
        warn(`could not check in vCenter that ${verify.subject} (${oneLine(err)}); continuing without that check`);
        return checked;
      }
    },
    diff: (_config, _id, olds, news) => Promise.resolve(ops.diff(olds as O, news as I)),
    create: (config, inputs) => connected(config, (ctx) => ops.create(ctx, inputs as I)),
    read: (config, id, props) =>
      connected(config, async (ctx) => {
        const now = await ops.read(ctx, id, props as O);
        // An empty id tells the engine the resource is gone, so `pulumi refresh` drops it.
        return now === undefined ? { id: "", props: {} } : { id, props: now };
      }),
    update: (config, id, olds, news) =>
      connected(config, async (ctx) => ({ outs: await ops.update(ctx, id, olds as O, news as I) })),
    delete: (config, id, props) => connected(config, (ctx) => ops.delete(ctx, id, props as O)),
  };
}
