// What a local cluster changes on this machine, and how it is put back: node addresses on lo,
// cgroups, mounts, processes left by containers, and what the kubelet changes by itself (kernel
// sysctls, /var/log/containers, containerd's shim socket directory). A host-wide baseline is
// recorded before the first cluster starts and restored when the last one stops, so two
// clusters side by side (npm run local and a test run) never restore each other's changes.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { lstat, readFile, readdir, readlink, rm, rmdir, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The sysctls kubelet sets at start (pkg/kubelet/cm setupKernelTunables). */
export const KUBELET_SYSCTLS = [
  "vm/overcommit_memory",
  "vm/panic_on_oom",
  "kernel/panic",
  "kernel/panic_on_oops",
  "kernel/keys/root_maxkeys",
  "kernel/keys/root_maxbytes",
] as const;

export const CONTAINER_LOGS_DIR = "/var/log/containers";
/**
 * Paths made outside the run directory whatever the flags: containerd's shim sockets
 * (/run/containerd/s), the kubelet's device-plugin socket (/var/lib/kubelet/device-plugins),
 * util-linux mount's /run/mount, and our own short runtime directories (/run/vscp, see
 * NodeSpec.runtimeDir). Removed at the end when they did not exist before.
 */
export const HOST_PATHS = ["/run/containerd", "/var/lib/kubelet", "/run/mount", "/run/vscp"] as const;

export interface HostBaseline {
  sysctls: Record<string, string>;
  /** The mode of /var/log/containers before (the kubelet makes it 0750), or absent. */
  containerLogsDirMode?: number;
  /** Which of HOST_PATHS existed. */
  existed: Record<string, boolean>;
}

export async function readBaseline(): Promise<HostBaseline> {
  const sysctls: Record<string, string> = {};
  for (const k of KUBELET_SYSCTLS) sysctls[k] = (await readFile(`/proc/sys/${k}`, "utf8")).trim();
  return {
    sysctls,
    containerLogsDirMode: existsSync(CONTAINER_LOGS_DIR) ? statSync(CONTAINER_LOGS_DIR).mode & 0o7777 : undefined,
    existed: Object.fromEntries(HOST_PATHS.map((p) => [p, existsSync(p)])),
  };
}

/** Records the baseline unless one is recorded (another cluster is up); returns the recorded one. */
export async function recordBaseline(file: string): Promise<HostBaseline> {
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as HostBaseline;
  const b = await readBaseline();
  await writeFile(file, JSON.stringify(b, null, 2));
  return b;
}

/** Puts back what kubelets changed; removes the record. Only call when no cluster is left. */
export async function restoreBaseline(file: string): Promise<string[]> {
  if (!existsSync(file)) return [];
  const b = JSON.parse(await readFile(file, "utf8")) as HostBaseline;
  const changed: string[] = [];
  for (const [k, v] of Object.entries(b.sysctls)) {
    const now = (await readFile(`/proc/sys/${k}`, "utf8")).trim();
    if (now !== v) {
      await writeFile(`/proc/sys/${k}`, v);
      changed.push(`${k.replaceAll("/", ".")} ${now} -> ${v}`);
    }
  }
  if (b.containerLogsDirMode === undefined) {
    if (existsSync(CONTAINER_LOGS_DIR) && readdirSync(CONTAINER_LOGS_DIR).length === 0) {
      await rmdir(CONTAINER_LOGS_DIR);
      changed.push(`removed ${CONTAINER_LOGS_DIR}`);
    }
  } else if (existsSync(CONTAINER_LOGS_DIR)) {
    await run("chmod", [b.containerLogsDirMode.toString(8), CONTAINER_LOGS_DIR]);
  }
  for (const p of HOST_PATHS) {
    if (b.existed[p] === false && existsSync(p)) {
      await rm(p, { recursive: true, force: true });
      changed.push(`removed ${p}`);
    }
  }
  await rm(file, { force: true });
  return changed;
}

/** Removes the /var/log/containers symlinks that point into `podLogsDir`. */
export async function removeContainerLogLinks(podLogsDir: string): Promise<void> {
  if (!existsSync(CONTAINER_LOGS_DIR)) return;
  for (const f of await readdir(CONTAINER_LOGS_DIR)) {
    const p = join(CONTAINER_LOGS_DIR, f);
    if ((await lstat(p)).isSymbolicLink() && (await readlink(p)).startsWith(`${podLogsDir}/`)) await unlink(p);
  }
}

// ---- addresses: node IPs are /32 addresses on lo, labelled so they are ours ----

export const ADDRESS_LABEL = "lo:vscp";
export const NODE_NET_PREFIX = "198.18";

/** The 198.18.X.0/24 subnets that have addresses on lo now. */
export async function usedSubnets(): Promise<number[]> {
  const { stdout } = await run("ip", ["-o", "-4", "addr", "show", "dev", "lo"]);
  return [...stdout.matchAll(/inet 198\.18\.(\d+)\.\d+\//g)].map((m) => Number(m[1]));
}

export async function addAddress(ip: string): Promise<void> {
  const { stdout } = await run("ip", ["-o", "-4", "addr", "show", "dev", "lo"]);
  if (stdout.includes(`inet ${ip}/32 `)) return;
  await run("ip", ["addr", "add", `${ip}/32`, "dev", "lo", "label", ADDRESS_LABEL]);
}

export async function removeAddress(ip: string): Promise<void> {
  await run("ip", ["addr", "del", `${ip}/32`, "dev", "lo"]).catch(() => {});
}

// ---- cgroups (v1 hierarchies or the v2 unified tree) ----

/** Every cgroup hierarchy mounted under /sys/fs/cgroup (one for cgroup v2). */
export function cgroupHierarchies(): string[] {
  return (
    readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" "))
      .filter((f) => f.length > 9 && f[4].startsWith("/sys/fs/cgroup"))
      // v1 hierarchies, and the v2 tree (alone, or beside v1 as `unified`: runc uses it too).
      .filter((f) => ["cgroup", "cgroup2"].includes(f[f.indexOf("-") + 1]))
      .map((f) => f[4])
  );
}

/** Creates `/<name>` in every hierarchy (cpuset: with its parent's CPUs and memory nodes). */
export async function createCgroup(name: string): Promise<void> {
  for (const h of cgroupHierarchies()) {
    const dir = join(h, name);
    await run("mkdir", ["-p", dir]);
    if (existsSync(join(h, "cpuset.cpus")) && existsSync(join(dir, "cpuset.cpus"))) {
      for (const f of ["cpuset.cpus", "cpuset.mems"])
        if (!(await readFile(join(dir, f), "utf8")).trim()) await writeFile(join(dir, f), await readFile(join(h, f)));
    }
  }
}

/** Directories of a cgroup subtree, deepest first. */
function subtree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const kids = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
  return [...kids.flatMap((k) => subtree(join(dir, k.name))), dir];
}

/** PIDs in the cgroup subtree `/<name>` of any hierarchy. */
export function cgroupPids(name: string): number[] {
  const pids = new Set<number>();
  for (const h of cgroupHierarchies())
    for (const d of subtree(join(h, name))) {
      const procs = join(d, "cgroup.procs");
      if (!existsSync(procs)) continue;
      for (const p of readFileSync(procs, "utf8").split("\n").filter(Boolean)) pids.add(Number(p));
    }
  return [...pids];
}

/** Removes the cgroup subtree `/<name>` everywhere; its processes must be gone. */
export async function removeCgroup(name: string): Promise<void> {
  for (const h of cgroupHierarchies()) for (const d of subtree(join(h, name))) await rmdir(d).catch(() => {});
}

// ---- processes and mounts under a directory ----

/** PIDs whose command line mentions `dir` (containerd shims name their socket there). */
export function pidsMentioning(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "utf8").includes(dir)) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

export function killPids(pids: number[]): void {
  for (const p of pids)
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .map((m) => m.replace(/\\040/g, " "))
    .sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dir: string): Promise<void> {
  for (let pass = 0; pass < 5; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) await run("umount", [m]).catch(() => run("umount", ["-l", m]).catch(() => {}));
  }
}
