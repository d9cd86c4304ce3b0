// What the global setup hands to engine-backed tests (vitest `inject("engines")`).
import { inject } from "vitest";
import type { Kube } from "./kube.js";
import { ensurePki, type Pki } from "./pki.js";
import { sessionFor, type Vcsim } from "./vcsim.js";
import type { ConfigSource } from "../../components/vcenter/connection.js";
import type { VsphereSession } from "../../vsphere/session.js";

export interface EnginesContext {
  name: string;
  /** Run directory of the shared environment. */
  dir: string;
  /** Variables of its env file. */
  env: Record<string, string>;
  vcsim: Vcsim;
  kube: Kube;
  pkiDir: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    engines: EnginesContext;
  }
}

/** The shared environment; throws (never skips) when the global setup did not provide one. */
export function engines(): EnginesContext {
  const ctx = inject("engines");
  if (!ctx) throw new Error("engine-backed test run without the engines global setup (see vitest.config.ts)");
  return ctx;
}

/** The environment's PKI (CA, wrong CA, service-account keys), to start extra engines with. */
export const enginesPki = (): Promise<Pki> => ensurePki(engines().pkiDir);

/** A logged-in SOAP session to `vcsim` (the shared one by default), trusting its CA. */
export function vcsimSession(vcsim: Vcsim = engines().vcsim): Promise<VsphereSession> {
  return sessionFor(vcsim);
}

/** The vCenter providers' configuration (`vsphere:*`) for `vcsim`'s admin, as a stack would give it. */
export function vcsimProviderConfig(vcsim: Vcsim = engines().vcsim): ConfigSource {
  const values: Record<string, string> = {
    "vsphere:server": vcsim.url,
    "vsphere:user": vcsim.username,
    "vsphere:password": vcsim.password,
    "vsphere:caFile": vcsim.caFile,
  };
  return { get: (k) => values[k] };
}
