// bench:ccm --vs-upstream: our CCM (the image's bundle, run as the image runs it: bench/image-runtime.ts) and upstream's
// Go CCM v1.36.0 (the bench-only engine) on the same fixture, one after the other: the same Nodes,
// VMs, tags, cloud config and Secret, both behind one counting proxy so vCenter calls are counted
// the same way. Times are from process start (upstream logs no "inventory synced").
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { engine } from "../test/env/catalog.js";
import type { Environment } from "../test/env/environment.js";
import { engineBinDir, installEngines } from "../test/env/install.js";
import { freePort } from "../test/env/net.js";
import { REPO_ROOT } from "../test/env/paths.js";
import { serverCert } from "../test/env/pki.js";
import { BENCH_LABEL, inBatches, kubeletNode, type Fixture } from "./ccm-fixture.js";
import { isInitialized, NodeWatcher, processFigures } from "./ccm-observe.js";
import { startCountingProxy, type CountingProxy } from "./count-proxy.js";
import { imageRuntime } from "./image-runtime.js";

interface Run {
  wallSeconds: number;
  vcenterCalls: number;
  callsByMethod: Record<string, number>;
  idleCallsPerMin: number | null;
  peakRssMB: number;
  cpuSeconds: number;
}

async function runOne(
  what: string,
  argv: string[],
  fx: Fixture,
  env: Environment,
  proxy: CountingProxy,
  n: number,
  idleMinutes: number,
  log: (s: string) => void,
  processEnv: Record<string, string> = {},
): Promise<Run> {
  const watcher = new NodeWatcher(fx.kc, fx.api, `${BENCH_LABEL}=true`);
  await fx.api.deleteCollectionNode({ labelSelector: `${BENCH_LABEL}=true` });
  await watcher.start();
  await watcher.until("no bench nodes", () => watcher.nodes.size === 0, 120_000);
  await inBatches(fx.vms.slice(0, n), 10, async (vm, i) => {
    await fx.api.createNode({ body: kubeletNode(vm, i) });
  });
  await watcher.until(`${n} listed`, () => watcher.nodes.size === n, 60_000);
  const calls0 = proxy.total();
  const before = proxy.counts();
  const file = createWriteStream(join(REPO_ROOT, "bench", "out", `vs-upstream-${what}-${n}.log`));
  const started = Date.now();
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...processEnv },
  });
  child.stdout.pipe(file, { end: false });
  child.stderr.pipe(file, { end: false });
  try {
    const allAt = await watcher.until(`${what}: ${n} initialized`, () => watcher.count(isInitialized) === n, 900_000);
    const callsAtInit = proxy.total() - calls0;
    const byMethod = Object.fromEntries(
      Object.entries(proxy.counts())
        .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
        .filter(([, v]) => v > 0),
    );
    log(`${what}: ${n} initialized ${(allAt - started) / 1000} s from process start; idle ${idleMinutes} min`);
    const i0 = { at: Date.now(), calls: proxy.total() };
    await sleep(idleMinutes * 60_000);
    const i1 = { at: Date.now(), calls: proxy.total() };
    const proc = await processFigures(child.pid as number);
    return {
      wallSeconds: (allAt - started) / 1000,
      vcenterCalls: callsAtInit,
      callsByMethod: byMethod,
      idleCallsPerMin: idleMinutes > 0 ? (i1.calls - i0.calls) / ((i1.at - i0.at) / 60_000) : null,
      peakRssMB: proc.hwmMB,
      cpuSeconds: proc.cpuSeconds,
    };
  } finally {
    child.kill("SIGTERM");
    await Promise.race([new Promise((r) => child.once("exit", r)), sleep(20_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    file.end();
    watcher.stop();
  }
}

const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : Number((a / b).toFixed(3));

/** Both CCMs on `n` Nodes; one JSON object with each one's figures and ours/upstream ratios. */
export async function compareWithUpstream(
  env: Environment,
  fx: Fixture,
  ourBin: string,
  n: number,
  idleMinutes: number,
  log: (s: string) => void,
): Promise<object> {
  const up = engine("cloud-provider-vsphere");
  await installEngines({ only: [up.name], log });
  const tls = await serverCert(env.pki, "bench-proxy");
  const proxy = await startCountingProxy({ host: env.vcsim.host, port: env.vcsim.port, caFile: env.vcsim.caFile }, tls);
  try {
    const cfg = join(env.dir, "bench-vs-upstream.conf");
    const text = await readFile(fx.cloudConfig, "utf8");
    await writeFile(cfg, text.replace(/^ {2}port: \d+$/m, `  port: ${proxy.port}`));
    const common = async (lease: string) => [
      "--cloud-provider=vsphere",
      "--v=2",
      `--cloud-config=${cfg}`,
      `--kubeconfig=${env.kube.kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${await freePort()}`,
      `--leader-elect-resource-name=${lease}-${Date.now()}`,
    ];
    const serving = await serverCert(env.pki, "bench-ccm");
    const image = await imageRuntime();
    const ours = await runOne(
      "ours",
      [
        process.execPath,
        ...image.flags,
        ourBin,
        ...(await common("bench-ours")),
        `--tls-cert-file=${serving.cert}`,
        `--tls-private-key-file=${serving.key}`,
      ],
      fx,
      env,
      proxy,
      n,
      idleMinutes,
      log,
      image.env,
    );
    const upstream = await runOne(
      "upstream",
      [join(engineBinDir(up), "vsphere-cloud-controller-manager"), ...(await common("bench-upstream"))],
      fx,
      env,
      proxy,
      n,
      idleMinutes,
      log,
    );
    return {
      nodes: n,
      ours,
      upstream,
      ratios: {
        wallSeconds: ratio(ours.wallSeconds, upstream.wallSeconds),
        vcenterCalls: ratio(ours.vcenterCalls, upstream.vcenterCalls),
        idleCallsPerMin: ratio(ours.idleCallsPerMin, upstream.idleCallsPerMin),
        peakRssMB: ratio(ours.peakRssMB, upstream.peakRssMB),
      },
    };
  } finally {
    await proxy.close();
  }
}
