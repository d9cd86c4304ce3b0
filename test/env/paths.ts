// Where the engines live on disk. Nothing here is inside the repository: builds are cached
// under $HOME so a fresh clone reuses them, and run directories hold only disposable state.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT = "vsphere-cloud-provider";

/** Repository root (this file is test/env/paths.ts). */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Wrapper Go modules, one per engine: config, not vendored source. */
export const GO_WRAPPERS = join(REPO_ROOT, "test", "env", "go");

export interface CachePaths {
  /** $HOME/.cache/vsphere-cloud-provider (or $VSCP_CACHE_DIR). */
  root: string;
  /** Built engines: <root>/engines/<name>-<version>/bin. */
  engines: string;
  /** Scratch space for builds that need a writable copy of a wrapper module. */
  build: string;
  /** Run directories of started environments: <root>/run/<name>. */
  run: string;
  /** PULUMI_HOME for the local Pulumi engine (plugins, credentials). */
  pulumiHome: string;
}

export function cachePaths(env: NodeJS.ProcessEnv = process.env): CachePaths {
  const root = env.VSCP_CACHE_DIR ? resolve(env.VSCP_CACHE_DIR) : join(env.HOME ?? homedir(), ".cache", PROJECT);
  return {
    root,
    engines: join(root, "engines"),
    build: join(root, "build"),
    run: join(root, "run"),
    pulumiHome: join(root, "pulumi-home"),
  };
}
