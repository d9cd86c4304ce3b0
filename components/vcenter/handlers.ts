// The bridge between the serialized dynamic provider (provider.ts) and a resource's operations:
// `check` and `diff` stay pure (no settings, no connection: they run in previews with unknown
// inputs and without credentials); the CRUD operations get settings resolved at call time, a
// connection opened for that one call, and a deadline.
import { resolveSettings, withVcenter, type ConfigSource, type VcenterConnection } from "./connection.js";
import type { CheckResult, DiffDecision } from "./inputs.js";

/** How long one provider operation may take before it is abandoned. */
export const OPERATION_TIMEOUT_MS = 5 * 60_000;

export interface OpContext {
  vc: VcenterConnection;
  signal: AbortSignal;
}

/** A resource's logic: `I` the checked inputs, `O` the outputs (state) of the resource. */
export interface ResourceOps<I, O> {
  /** Validates and normalizes inputs; never does I/O. */
  check(news: Record<string, unknown>): CheckResult<I>;
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

/** Wraps a resource's operations as the handlers its dynamic provider calls. */
export function providerHandlers<I, O>(ops: ResourceOps<I, O>): ProviderHandlers {
  // Inputs and state arrive as the engine stored them; ops.check produced them, so the casts hold.
  return {
    check: (_config, _olds, news) => Promise.resolve(ops.check(news)),
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
