// How the image runs the CCM's process: node's flags from controller/Dockerfile's ENTRYPOINT
// (between "node" and the bin) and the environment from its final stage's ENV lines. Benchmarks
// run the bundle this way unless told otherwise, so their memory and CPU figures are the ones
// that ship; a change to the Dockerfile changes what they measure, with nothing to keep in step.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { finalStage } from "../test/env/dockerfile.js";
import { REPO_ROOT } from "../test/env/paths.js";

export interface NodeRuntime {
  /** node/V8 flags before the bin. */
  flags: string[];
  /** Environment added to the benchmark's own. */
  env: Record<string, string>;
  /** "image", or "custom" for flags given on the command line. */
  from: "image" | "custom";
}

export async function imageRuntime(): Promise<NodeRuntime> {
  const stage = finalStage(await readFile(join(REPO_ROOT, "controller", "Dockerfile"), "utf8"));
  const argv = stage.entrypoint;
  const bin = argv.findIndex((a) => a.endsWith(".js"));
  if (argv[0] !== "node" || bin < 1) {
    throw new Error(`controller/Dockerfile: ENTRYPOINT ${JSON.stringify(argv)} is not ["node", ...flags, "<bin>.js"]`);
  }
  return { flags: argv.slice(1, bin), env: stage.env, from: "image" };
}

/**
 * A benchmark's --node-flags value: "image" (the default) runs the process as the image does;
 * anything else is taken as node flags alone, without the image's environment (to measure a
 * setting before the image adopts it; "" for node's defaults).
 */
export async function nodeRuntime(spec: string): Promise<NodeRuntime> {
  if (spec.trim() === "image") return imageRuntime();
  return { flags: spec.split(/\s+/).filter(Boolean), env: {}, from: "custom" };
}
