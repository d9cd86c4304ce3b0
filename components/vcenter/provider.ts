// The dynamic provider object every vCenter resource hands to pulumi.dynamic.Resource.
//
// Pulumi serializes this object, methods and captured variables included, into the state, and
// the dynamic-provider process runs that stored text for every later operation, refresh and
// destroy included. So it is kept tiny and stable: each method imports the resource's module by
// its package name (a self-reference through the "exports" map of package.json) and delegates
// to it. The logic therefore always comes from the checked-out code, never from an old copy in
// the state, and no module is captured at serialization time (which fails for ESM packages,
// see docs/module-format.md). Only `specifier`, a string, is captured.
//
// Credentials are not inputs: the engine calls `configure` with the stack configuration and the
// object keeps it for the process's lifetime (see docs/pulumi-providers.md).
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderHandlers } from "./handlers.js";

/** The package name from package.json: modules are imported as `${PACKAGE}/components/vcenter/<module>`. */
export const PACKAGE = "vsphere-cloud-provider";

interface VcenterProvider extends pulumi.dynamic.ResourceProvider {
  /** Set by `configure`; lives in the dynamic-provider process only, never in the state. */
  config?: pulumi.dynamic.Config;
}

/** A module that exports its resource's handlers (see handlers.ts). */
interface OpsModule {
  handlers: ProviderHandlers;
}

/**
 * The dynamic provider for the resource whose operations module is
 * `components/vcenter/<opsModule>.ts` (it must export `handlers`).
 */
export function vcenterProvider(opsModule: string): pulumi.dynamic.ResourceProvider {
  const specifier = `${PACKAGE}/components/vcenter/${opsModule}`;
  const provider: VcenterProvider = {
    configure(this: VcenterProvider, req: pulumi.dynamic.ConfigureRequest) {
      this.config = req.config;
      return Promise.resolve();
    },
    async check(this: VcenterProvider, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const { handlers } = (await import(specifier)) as OpsModule;
      return handlers.check(this.config, olds, news);
    },
    async diff(this: VcenterProvider, id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const { handlers } = (await import(specifier)) as OpsModule;
      return handlers.diff(this.config, id, olds, news);
    },
    async create(this: VcenterProvider, inputs: Record<string, unknown>) {
      const { handlers } = (await import(specifier)) as OpsModule;
      return handlers.create(this.config, inputs);
    },
    async read(this: VcenterProvider, id: string, props: Record<string, unknown>) {
      const { handlers } = (await import(specifier)) as OpsModule;
      return handlers.read(this.config, id, props);
    },
    async update(this: VcenterProvider, id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const { handlers } = (await import(specifier)) as OpsModule;
      return handlers.update(this.config, id, olds, news);
    },
    async delete(this: VcenterProvider, id: string, props: Record<string, unknown>) {
      const { handlers } = (await import(specifier)) as OpsModule;
      return handlers.delete(this.config, id, props);
    },
  };
  return provider;
}

/** The type token's module: resources read as `pulumi-nodejs:dynamic/vsphere-ccm/vcenter:<Type>`. */
export const TYPE_MODULE = "vsphere-ccm/vcenter";
