// vitest global setup for engine-backed tests: builds what is missing, starts one environment
// for the run, hands its description to the tests, and stops it afterwards.
import type { TestProject } from "vitest/node";
import { down, up } from "./environment.js";
import type { EnginesContext } from "./context.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const name = `vitest-${process.pid}`;
  const t0 = Date.now();
  const env = await up({ name, log: (s) => console.log(`[engines] ${s}`) });
  console.log(`[engines] ${name} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const ctx: EnginesContext = {
    name,
    dir: env.dir,
    env: env.env,
    vcsim: env.vcsim,
    kube: env.kube,
    pkiDir: env.pki.dir,
  };
  project.provide("engines", ctx);
  return async () => {
    if (process.env.VSCP_KEEP_ENGINES === "1") return;
    await down(name);
  };
}
