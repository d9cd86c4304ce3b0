// npm run bench:ccm -- --nodes 100,500,1000 [--idle-minutes 5] [--vms 1000] [--compiled]
//                      [--concurrent-node-syncs N] [--profile] [--node-flags=image|"<node flags>"]
//                      [--vs-upstream]   (also upstream's Go CCM on the same fixture: bench/vs-upstream.ts)
// The CCM as a process against a vcsim holding >= 1,000 VMs and the kube-apiserver, with N Nodes
// registered the way kubelets do it. A Node watch in this process (not the CCM's logs) judges the
// outcome. Prints one JSON line per N: time from the CCM's "inventory synced" to all N initialized,
// vCenter calls from its /metrics, its peak RSS, idle calls per minute, and how long a powered-off
// VM of a NotReady node takes to get the shutdown taint. Starts its own environment ("bench-ccm")
// and removes it at the end. --compiled runs the bin over a tsc build (what the image ships)
// instead of the TypeScript sources through tsx. Each run's CCM log goes to bench/out/ccm-<N>.log.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { down, up, type Environment } from "../test/env/environment.js";
import { freePort, httpsRequest } from "../test/env/net.js";
import { REPO_ROOT } from "../test/env/paths.js";
import { buildBundle } from "../controller/build.js";
import { compareWithUpstream } from "./vs-upstream.js";
import { nodeRuntime } from "./image-runtime.js";
import { serverCert } from "../test/env/pki.js";
import {
  BENCH_LABEL,
  TAINT_SHUTDOWN,
  inBatches,
  kubeletNode,
  prepareFixture,
  setReady,
  type Fixture,
} from "./ccm-fixture.js";
import {
  cpuCounters,
  heapFigures,
  hasTaint,
  idlePercent,
  isInitialized,
  NodeWatcher,
  processFigures,
  vcenterCalls,
} from "./ccm-observe.js";

const ENV_NAME = "bench-ccm";
const CLUSTERS = 2;
const log = (msg: string) => process.stderr.write(`bench:ccm: ${msg}\n`);

interface Args {
  nodes: number[];
  idleMinutes: number;
  vms: number;
  compiled: boolean;
  /** Passed to the CCM as --concurrent-node-syncs; unset: the CCM's default. */
  syncs?: number;
  /** Run the CCM under node --cpu-prof (profiles in bench/out/profiles). */
  profile: boolean;
  /** "image" (default): node flags and environment as controller/Dockerfile runs the CCM; otherwise
   *  these node/V8 flags alone (to measure a setting before the image adopts it). */
  nodeFlags: string;
  /** Also run upstream's Go CCM (bench-only engine) on the same fixture and print ratios. */
  vsUpstream: boolean;
}

/** The peak RSS bounds (upstream's own figures on the same fixture): 80 MB up to 100 Nodes, 90 MB up to 500. */
export function rssBoundMB(nodes: number): number | null {
  return nodes <= 100 ? 80 : nodes <= 500 ? 90 : null;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      nodes: { type: "string", default: "100" },
      "idle-minutes": { type: "string", default: "5" },
      vms: { type: "string", default: "1000" },
      compiled: { type: "boolean", default: false },
      "concurrent-node-syncs": { type: "string" },
      profile: { type: "boolean", default: false },
      "node-flags": { type: "string", default: "image" },
      "vs-upstream": { type: "boolean", default: false },
    },
  });
  const nodes = values.nodes.split(",").map((s) => Number(s.trim()));
  if (nodes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--nodes ${values.nodes}: whole numbers >= 1`);
  const idleMinutes = Number(values["idle-minutes"]);
  if (!(idleMinutes >= 0)) throw new Error(`--idle-minutes ${values["idle-minutes"]}: a number >= 0`);
  const vms = Math.max(Number(values.vms), ...nodes);
  if (!Number.isInteger(vms) || vms < 1000) throw new Error(`--vms ${values.vms}: at least 1000`);
  const syncs = values["concurrent-node-syncs"];
  if (syncs !== undefined && !(Number(syncs) >= 1)) throw new Error(`--concurrent-node-syncs ${syncs}: a number >= 1`);
  return {
    nodes,
    idleMinutes,
    vms,
    compiled: values.compiled,
    syncs: syncs === undefined ? undefined : Number(syncs),
    profile: values.profile,
    nodeFlags: values["node-flags"],
    vsUpstream: values["vs-upstream"],
  };
}

/** The bin over the image's bundle in bench/out/ccm (bin/ next to dist/, as in the image). */
async function compiledBin(): Promise<string> {
  const out = join(REPO_ROOT, "bench", "out", "ccm");
  log("bundling the CCM into bench/out/ccm/dist (npm run build)");
  await rm(join(out, "dist"), { recursive: true, force: true });
  await buildBundle(join(out, "dist"));
  await mkdir(join(out, "bin"), { recursive: true });
  const bin = join(out, "bin", "vsphere-cloud-controller-manager.js");
  await copyFile(join(REPO_ROOT, "bin", "vsphere-cloud-controller-manager.js"), bin);
  return bin;
}

interface Ccm {
  child: ChildProcess;
  pid: number;
  /** Wall-clock ms of the "inventory synced" log line (its ts field), once written. */
  syncedAt(): number | undefined;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

async function startCcm(
  env: Environment,
  fx: Fixture,
  cmd: { nodeArgs: string[]; nodeEnv: Record<string, string>; bin: string; extra: string[] },
  logFile: string,
): Promise<Ccm> {
  const port = await freePort();
  const tls = await serverCert(env.pki, "bench-ccm");
  const child = spawn(
    process.execPath,
    [
      ...cmd.nodeArgs,
      cmd.bin,
      "--cloud-provider=vsphere",
      "--v=2",
      `--cloud-config=${fx.cloudConfig}`,
      `--kubeconfig=${env.kube.kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--tls-cert-file=${tls.cert}`,
      `--tls-private-key-file=${tls.key}`,
      ...cmd.extra,
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...cmd.nodeEnv } },
  );
  let synced: number | undefined;
  let partial = "";
  const file = createWriteStream(logFile);
  child.once("exit", () => file.end());
  const tail: string[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    file.write(d);
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (synced !== undefined || !line.includes('"inventory synced"')) continue;
      const entry = JSON.parse(line) as { ts: string; msg: string };
      if (entry.msg === "inventory synced") synced = Date.parse(entry.ts);
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (code, sig) => {
    if (code !== 0 && sig !== "SIGTERM") log(`CCM exited (${code ?? sig}); last lines:\n${tail.join("\n")}`);
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  return {
    child,
    pid: child.pid as number,
    syncedAt: () => synced,
    async metrics() {
      const res = await httpsRequest(`https://127.0.0.1:${port}/metrics`, {
        caFile: env.pki.ca.cert,
        headers: { Authorization: `Bearer ${env.kube.adminToken}` },
        timeoutMs: 10_000,
      });
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.body.trim()}`);
      return res.body;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const done = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!done) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

async function deleteBenchNodes(fx: Fixture, watcher?: NodeWatcher): Promise<void> {
  await fx.api.deleteCollectionNode({ labelSelector: `${BENCH_LABEL}=true` });
  if (watcher) await watcher.until("bench nodes deleted", () => watcher.nodes.size === 0, 120_000);
}

/** Time from power-off (the govc command's start) until the watch sees the shutdown taint. */
async function shutdownTaint(fx: Fixture, watcher: NodeWatcher): Promise<{ seconds: number; govcSeconds: number }> {
  const vm = fx.vms[0];
  await setReady(fx.api, vm.nodeName, "False");
  await watcher.until(
    "NotReady seen",
    () => watcher.nodes.get(vm.nodeName)?.status?.conditions?.some((c) => c.status === "False") ?? false,
    30_000,
  );
  await sleep(1000); // the CCM has seen NotReady with the VM still on: nothing to do yet
  const t0 = Date.now();
  await fx.govc("vm.power", "-off", vm.path);
  const govcSeconds = (Date.now() - t0) / 1000;
  const tainted = () => {
    const node = watcher.nodes.get(vm.nodeName);
    return !!node && hasTaint(node, TAINT_SHUTDOWN);
  };
  const at = await watcher.until("shutdown taint", tainted, 60_000);
  await fx.govc("vm.power", "-on", vm.path);
  await setReady(fx.api, vm.nodeName, "True");
  return { seconds: (at - t0) / 1000, govcSeconds };
}

async function runOnce(env: Environment, fx: Fixture, bin: string, n: number, a: Args): Promise<object> {
  const watcher = new NodeWatcher(fx.kc, fx.api, `${BENCH_LABEL}=true`);
  await deleteBenchNodes(fx);
  await watcher.start();
  await watcher.until("no bench nodes", () => watcher.nodes.size === 0, 120_000);
  const load1 = loadavg()[0];
  const c0 = Date.now();
  // Kubelets register on their own: concurrent creates, ten in flight (client-go's default burst).
  await inBatches(fx.vms.slice(0, n), 10, async (vm, i) => {
    await fx.api.createNode({ body: kubeletNode(vm, i) });
  });
  const createSeconds = (Date.now() - c0) / 1000;
  await watcher.until(`${n} nodes listed`, () => watcher.nodes.size === n, 60_000);
  log(`${n} nodes registered in ${createSeconds} s; starting the CCM`);

  const cpu0 = await cpuCounters();
  const spawnedAt = Date.now();
  const logFile = join(REPO_ROOT, "bench", "out", `ccm-${n}.log`);
  await mkdir(join(REPO_ROOT, "bench", "out"), { recursive: true });
  const extra = [`--leader-elect-resource-name=bench-ccm-${n}-${spawnedAt}`];
  if (a.syncs) extra.push(`--concurrent-node-syncs=${a.syncs}`);
  const profiles = join(REPO_ROOT, "bench", "out", "profiles");
  const runtime = await nodeRuntime(a.nodeFlags);
  const nodeArgs = [
    ...runtime.flags,
    ...(a.profile ? ["--cpu-prof", `--cpu-prof-dir=${profiles}`, `--cpu-prof-name=ccm-${n}.cpuprofile`] : []),
  ];
  const ccm = await startCcm(env, fx, { nodeArgs, nodeEnv: runtime.env, bin, extra }, logFile);
  try {
    const firstAt = watcher.until("a node initialized", () => watcher.count(isInitialized) > 0, 600_000);
    const allAt = await watcher.until(`${n} nodes initialized`, () => watcher.count(isInitialized) === n, 600_000);
    const cpu1 = await cpuCounters();
    const syncedAt = ccm.syncedAt();
    if (syncedAt === undefined) throw new Error('the CCM never logged "inventory synced"');
    const calls = vcenterCalls(await ccm.metrics());
    log(
      `${n} nodes initialized ${(allAt - syncedAt) / 1000} s after the inventory synced; idle for ${a.idleMinutes} min`,
    );

    const i0 = { at: Date.now(), calls: calls.total };
    await sleep(a.idleMinutes * 60_000);
    const i1 = { at: Date.now(), calls: vcenterCalls(await ccm.metrics()).total };
    const idleCallsPerMin = a.idleMinutes > 0 ? (i1.calls - i0.calls) / ((i1.at - i0.at) / 60_000) : null;

    const shutdown = await shutdownTaint(fx, watcher);
    const proc = await processFigures(ccm.pid);
    const heap = heapFigures(await ccm.metrics());
    return {
      nodes: n,
      vcsimVms: CLUSTERS * Math.ceil(a.vms / CLUSTERS),
      ccm: a.compiled ? "compiled" : "bin (tsx)",
      concurrentNodeSyncs: a.syncs ?? "default",
      wallSeconds: round((allAt - syncedAt) / 1000),
      firstInitializedSeconds: round(((await firstAt) - syncedAt) / 1000),
      vcenterCalls: calls.total,
      vcenterCallsByApi: { soap: calls.soap, rest: calls.rest },
      vcenterCallsByMethod: calls.byMethod,
      callsPerNode: round(calls.total / n, 4),
      rssMB: proc.hwmMB,
      rssBoundMB: rssBoundMB(n),
      nodeFlags: runtime.flags.join(" "),
      nodeEnv: runtime.env,
      nodeRuntime: runtime.from,
      rssAtEndMB: proc.rssMB,
      heapAtEndMB: heap,
      idleMinutes: a.idleMinutes,
      idleCallsPerMin: idleCallsPerMin === null ? null : round(idleCallsPerMin),
      shutdownTaintSeconds: round(shutdown.seconds),
      govcPowerOffSeconds: round(shutdown.govcSeconds),
      spawnToSyncedSeconds: round((syncedAt - spawnedAt) / 1000),
      createSeconds: round(createSeconds),
      ccmCpuSeconds: proc.cpuSeconds,
      machine: { cpus: cpus().length, load1AtStart: round(load1, 2), idlePctSpawnToInit: idlePercent(cpu0, cpu1) },
    };
  } finally {
    await ccm.stop();
    watcher.stop();
    await deleteBenchNodes(fx).catch(() => {});
  }
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const a = parse();
  log(`fresh environment ${ENV_NAME} with ${a.vms} VMs (vcsim builds them before listening: minutes)`);
  await down(ENV_NAME);
  const t0 = Date.now();
  try {
    const env = await up({
      name: ENV_NAME,
      controllerManager: false,
      log,
      vcsim: {
        clustersPerDatacenter: CLUSTERS,
        hostsPerCluster: 1,
        vmsPerPool: Math.ceil(a.vms / CLUSTERS),
        readyTimeoutMs: 120_000 + a.vms * 300,
      },
    });
    log(`environment up in ${(Date.now() - t0) / 1000} s`);
    const fx = await prepareFixture(env, Math.max(...a.nodes), CLUSTERS);
    const bin = a.compiled ? await compiledBin() : join(REPO_ROOT, "bin", "vsphere-cloud-controller-manager.js");
    for (const n of a.nodes) console.log(JSON.stringify(await runOnce(env, fx, bin, n, a)));
    if (a.vsUpstream) {
      // The image's bundle, whatever --compiled says: the comparison is about what ships.
      const shipped = a.compiled ? bin : await compiledBin();
      for (const n of a.nodes)
        console.log(JSON.stringify(await compareWithUpstream(env, fx, shipped, n, a.idleMinutes, log)));
    }
  } finally {
    await down(ENV_NAME);
  }
}

main().catch((err: unknown) => {
  console.error(`bench:ccm: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
