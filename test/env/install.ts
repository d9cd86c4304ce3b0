// Builds each engine once from its wrapper Go module into the cache outside the repository.
// A stamp (hash of the wrapper's files, the engine entry and `go version`) decides whether a
// cached build is still good, so bumping a version or a wrapper rebuilds only that engine.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rename, rm, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ENGINES, type Engine, type EngineName } from "./catalog.js";
import { cachePaths, type CachePaths } from "./paths.js";
import { tailFile } from "./proc.js";

const run = promisify(execFile);

/** Free space a cold build needs: module downloads (~3 GiB) plus Go's build cache (~4 GiB). */
export const COLD_BUILD_FREE_BYTES = 8 * 1024 ** 3;

export function engineBinDir(e: Engine, paths: CachePaths = cachePaths()): string {
  return join(paths.engines, `${e.name}-${e.version}`, "bin");
}

async function goVersion(): Promise<string> {
  try {
    const { stdout } = await run("go", ["version"]);
    return stdout.trim();
  } catch (cause) {
    throw new Error("the engines are built with Go: install Go 1.25 or newer and put `go` on PATH", { cause });
  }
}

async function stampOf(e: Engine, go: string): Promise<string> {
  const h = createHash("sha256");
  h.update(JSON.stringify({ ...e, dir: undefined })).update(go);
  const files = (await readdir(e.dir, { recursive: true }))
    .filter((f) => /(^|\/)(go\.mod|go\.sum|[^/]+\.go)$/.test(f))
    .sort();
  for (const f of files) h.update(f).update(await readFile(join(e.dir, f)));
  return h.digest("hex");
}

export interface EngineStatus {
  engine: Engine;
  binDir: string;
  built: boolean;
}

export async function engineStatus(e: Engine, paths = cachePaths()): Promise<EngineStatus> {
  const binDir = engineBinDir(e, paths);
  const stampFile = join(binDir, "..", "stamp");
  let built = e.binaries.every((b) => existsSync(join(binDir, b))) && existsSync(stampFile);
  if (built) built = (await readFile(stampFile, "utf8")) === (await stampOf(e, await goVersion()));
  return { engine: e, binDir, built };
}

async function checkFreeDisk(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  if (free < COLD_BUILD_FREE_BYTES) {
    const gib = (n: number) => (n / 1024 ** 3).toFixed(1);
    throw new Error(
      `engines install: ${gib(free)} GiB free under ${dir}, a cold build needs ${gib(COLD_BUILD_FREE_BYTES)} GiB. ` +
        "Free some space, or point VSCP_CACHE_DIR (and GOMODCACHE/GOCACHE) at a larger disk.",
    );
  }
}

function goBuild(cwd: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: "a" });
    const child = spawn("go", args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false", GOWORK: "off" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("error", reject);
    child.on("close", (code) => {
      log.end();
      if (code === 0) resolve();
      else
        void tailFile(logFile, 30).then((tail) =>
          reject(new Error(`go build failed in ${cwd} (exit ${code}):\n${tail}`)),
        );
    });
  });
}

/** Copies the wrapper to scratch space and adds the files it embeds from a dependency module. */
async function prepareSource(e: Engine, paths: CachePaths): Promise<string> {
  if (!e.embedFrom) return e.dir;
  const scratch = join(paths.build, e.name);
  await rm(scratch, { recursive: true, force: true });
  await cp(e.dir, scratch, { recursive: true });
  // `go mod download -json` fetches the required version when the module cache lacks it.
  const { stdout } = await run("go", ["mod", "download", "-json", e.embedFrom.module], {
    cwd: scratch,
    env: { ...process.env, GOFLAGS: "-mod=readonly -buildvcs=false", GOWORK: "off" },
  });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir ?? "";
  if (!moduleDir) throw new Error(`go list -m ${e.embedFrom.module}: module directory not found`);
  for (const f of e.embedFrom.files) await cp(join(moduleDir, f), join(scratch, f.split("/").pop() as string));
  return scratch;
}

export async function buildEngine(e: Engine, paths = cachePaths(), log: (s: string) => void = () => {}): Promise<void> {
  const go = await goVersion();
  const binDir = engineBinDir(e, paths);
  const tmp = `${binDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const logFile = join(binDir, "..", "build.log");
  await writeFile(logFile, `# ${go}\n`);
  const started = Date.now();
  log(`building ${e.name} ${e.version} ...`);
  const src = await prepareSource(e, paths);
  const ldflags = ["-s", "-w", ...e.ldflags.flatMap((f) => ["-X", f])].join(" ");
  // Several packages build into a directory; one package builds into a named file.
  const out = e.packages.length > 1 ? `${tmp}/` : join(tmp, e.binaries[0]);
  await goBuild(src, ["build", "-trimpath", "-ldflags", ldflags, "-o", out, ...e.packages], logFile);
  await rm(binDir, { recursive: true, force: true });
  await rename(tmp, binDir);
  await writeFile(join(binDir, "..", "stamp"), await stampOf(e, go));
  log(`built ${e.name} ${e.version} in ${((Date.now() - started) / 1000).toFixed(0)} s -> ${binDir}`);
}

/** The engines an install covers: those named, else the test engines (plus bench-only ones with `bench`). */
export function selectEngines(opts: { only?: EngineName[]; bench?: boolean }): Engine[] {
  return ENGINES.filter((e) => (opts.only ? opts.only.includes(e.name) : opts.bench || !e.benchOnly));
}

/** Builds every engine that is missing or stale; returns the bin directories by engine name. */
export async function installEngines(
  opts: { only?: EngineName[]; bench?: boolean; log?: (s: string) => void } = {},
  paths = cachePaths(),
): Promise<Record<EngineName, string>> {
  const log = opts.log ?? (() => {});
  const wanted = selectEngines(opts);
  const statuses = await Promise.all(wanted.map((e) => engineStatus(e, paths)));
  const missing = statuses.filter((s) => !s.built);
  if (missing.length > 0) await checkFreeDisk(paths.root);
  for (const s of missing) await buildEngine(s.engine, paths, log);
  for (const s of statuses.filter((x) => x.built)) log(`${s.engine.name} ${s.engine.version}: cached in ${s.binDir}`);
  return Object.fromEntries(wanted.map((e) => [e.name, engineBinDir(e, paths)])) as Record<EngineName, string>;
}
