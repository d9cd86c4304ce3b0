// One containerd (+ runc) per local node, each with its own socket, root, state and runc root
// under the node's directory, so several kubelets share this machine without sharing a runtime.
// Debian's containerd 1.6: kubelet 1.35 is the last kubelet that accepts containerd 1.x, and the
// distribution package installs in seconds where building containerd 2.x from Go costs minutes
// of every cold CI run. Pulls are pointed at a closed local port: images come only from
// `ctr images import` (test/env/image.ts), never from a registry.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { running, startProc, stopProc, waitReady } from "./proc.js";

const run = promisify(execFile);

/** The binaries the local cluster needs from the distribution. */
export const RUNTIME_BINARIES = ["containerd", "containerd-shim-runc-v2", "ctr", "runc"] as const;

function onPath(bin: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, bin)));
}

/**
 * Installs containerd and runc with apt-get when any of their binaries is missing; does nothing
 * when they are there. Needs root (the kubelets need it anyway).
 */
export async function ensureContainerRuntime(log: (s: string) => void = () => {}): Promise<void> {
  const missing = RUNTIME_BINARIES.filter((b) => !onPath(b));
  if (missing.length === 0) return;
  const fix = "install them: apt-get update && apt-get install -y containerd runc";
  if (process.getuid?.() !== 0)
    throw new Error(`the local cluster needs ${missing.join(", ")} and runs as root: run as root, or ${fix}`);
  if (!onPath("apt-get"))
    throw new Error(`${missing.join(", ")} not found and no apt-get here: ${fix} (or the equivalent)`);
  log(`installing containerd and runc with apt-get (missing: ${missing.join(", ")}) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024 });
    await run("apt-get", ["install", "-y", "--no-install-recommends", "containerd", "runc"], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (cause) {
    const e = cause as { stderr?: string };
    throw new Error(`apt-get could not install containerd and runc (${fix} by hand):\n${e.stderr ?? ""}`, { cause });
  }
  const still = RUNTIME_BINARIES.filter((b) => !onPath(b));
  if (still.length) throw new Error(`after apt-get install, still missing: ${still.join(", ")}`);
  log("containerd and runc installed");
}

export interface ContainerdPaths {
  /** The node's directory: PID file, log, config, image store. */
  dir: string;
  /** A short directory for sockets and runtime state (a unix socket path holds 107 bytes). */
  runtimeDir: string;
  socket: string;
  root: string;
  state: string;
  runcRoot: string;
  cniConfDir: string;
  config: string;
}

export function containerdPaths(nodeDir: string, runtimeDir: string): ContainerdPaths {
  const c = join(nodeDir, "containerd");
  return {
    dir: nodeDir,
    runtimeDir,
    socket: join(runtimeDir, "containerd.sock"),
    root: join(c, "root"),
    state: join(runtimeDir, "containerd"),
    runcRoot: join(runtimeDir, "runc"),
    cniConfDir: join(nodeDir, "cni"),
    config: join(c, "config.toml"),
  };
}

/** The CRI namespace: what kubelets see. */
export const K8S_NAMESPACE = "k8s.io";

/**
 * containerd's config. `restrict_oom_score_adj`: this machine lacks CAP_SYS_RESOURCE, so runc
 * may only raise a container's oom_score_adj. cgroupfs driver: containerd 1.6 cannot tell the
 * kubelet its driver, and the kubelet's default is cgroupfs.
 */
export function containerdConfig(p: ContainerdPaths, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = ${JSON.stringify(p.root)}
state = ${JSON.stringify(p.state)}
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${JSON.stringify(p.socket)}

[ttrpc]
  address = ${JSON.stringify(`${p.socket}.ttrpc`)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${JSON.stringify(join(p.root, "opt"))}

[${cri}]
  sandbox_image = ${JSON.stringify(sandboxImage)}
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = ${JSON.stringify(p.runcRoot)}

[${cri}.cni]
  bin_dir = ${JSON.stringify(join(p.cniConfDir, "bin"))}
  conf_dir = ${JSON.stringify(p.cniConfDir)}
`;
}

/**
 * A loopback-only CNI network: the CRI reports NetworkReady once it has a config, so the Node
 * becomes Ready. Every pod here is hostNetwork, which never calls a CNI plugin.
 */
const LOOPBACK_CNI = JSON.stringify({ cniVersion: "0.4.0", name: "loopback", plugins: [{ type: "loopback" }] });

/** Where pulls go: a closed port on 127.0.0.1, so a missing image fails here instead of going out. */
const NO_REGISTRY = "http://127.0.0.1:9";

export async function startContainerd(p: ContainerdPaths, sandboxImage: string, name = "containerd"): Promise<void> {
  if (running(p.dir, name) !== undefined) return;
  await mkdir(p.root, { recursive: true, mode: 0o700 });
  await mkdir(p.runtimeDir, { recursive: true, mode: 0o700 });
  await mkdir(p.state, { recursive: true, mode: 0o700 });
  await mkdir(join(p.cniConfDir, "bin"), { recursive: true });
  await writeFile(join(p.cniConfDir, "10-loopback.conflist"), LOOPBACK_CNI);
  await writeFile(p.config, containerdConfig(p, sandboxImage));
  const info = await startProc({
    name,
    command: "containerd",
    args: ["--config", p.config, "--log-level", "warn"],
    dir: p.dir,
    env: { ...process.env, HTTP_PROXY: NO_REGISTRY, HTTPS_PROXY: NO_REGISTRY, NO_PROXY: "", no_proxy: "" },
  });
  await waitReady(info, async () => await ctr(p, ["version"]).then(() => true), 30_000, p.dir);
}

/** Runs `ctr` against this node's containerd, in the CRI namespace. */
export async function ctr(p: ContainerdPaths, args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await run("ctr", ["--address", p.socket, "--namespace", K8S_NAMESPACE, ...args], {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Imports an OCI archive into the node's CRI image store (and unpacks it). */
export async function importImage(p: ContainerdPaths, archive: string): Promise<void> {
  await ctr(p, ["images", "import", "--all-platforms", archive]);
}

/**
 * Kills every task of the CRI namespace and removes every container, then stops containerd.
 * Containers outlive containerd (their shims are separate processes), so this comes first.
 */
export async function stopContainerd(p: ContainerdPaths, name = "containerd"): Promise<void> {
  if (running(p.dir, name) !== undefined) {
    const tasks = await ctr(p, ["tasks", "ls", "-q"], 30_000).catch(() => "");
    for (const id of tasks.split("\n").filter(Boolean)) {
      await ctr(p, ["tasks", "kill", "--signal", "SIGKILL", id], 30_000).catch(() => "");
      await ctr(p, ["tasks", "delete", "--force", id], 30_000).catch(() => "");
    }
    const containers = await ctr(p, ["containers", "ls", "-q"], 30_000).catch(() => "");
    for (const id of containers.split("\n").filter(Boolean))
      await ctr(p, ["containers", "delete", id], 30_000).catch(() => "");
  }
  await stopProc(p.dir, name);
}
