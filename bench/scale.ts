// npm run bench:scale -- [--vcenters 5] [--vms 20000] [--nodes 10000] [--extra-config 100]
//                        [--app-info-kb 16] [--idle-minutes 2] [--churn-minutes 2]
//                        [--churn-per-minute 120] [--ip-flips-per-minute 6] [--node-flags=image|"..."]
// The CCM's bundle (what the image ships) against several vcsim instances as separate vCenters
// (the cloud config lists them all) and the kube-apiserver, with Nodes registered the way
// kubelets do (systemUUID, byte-swapped systemUUID, or only a name that is the guest's DNS name).
// VMs are busy: ~100 extraConfig entries each, a large guestinfo.appInfo, and 2 or 3 NICs on
// different distributed port groups, each with an IPv4, an IPv6 and a link-local address in the
// guest (scale-fixture.ts). The CCM runs dual stack (ipFamily [ipv4, ipv6]) with address rules
// that pick InternalIP from the node network's subnets and ExternalIP from the front-end port
// group; once all Nodes are initialized the bench checks every Node's addresses against the
// fixture. A churn driver keeps rewriting appInfo on a share of the VMs and flips the node-network
// IPv4 (the InternalIP) on a few, as VMware Tools does.
// Prints one JSON line (figures against the goals in bench/RESULTS.md).
// Not part of `npm test`. Starts its own environment ("bench-scale") and removes it at the end.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { buildBundle } from "../controller/build.js";
import { kubeletNode } from "../test/env/ccm.js";
import { down, runDir, up } from "../test/env/environment.js";
import { freePort, httpsRequest } from "../test/env/net.js";
import { REPO_ROOT } from "../test/env/paths.js";
import { ensurePki, serverCert } from "../test/env/pki.js";
import { sessionFor } from "../test/env/vcsim.js";
import type { VsphereSession } from "../vsphere/session.js";
import { typed } from "../vsphere/soap/codec.js";
import { watch } from "../vsphere/property.js";
import { swapUuid } from "../controller/cloud/uuid.js";
import { inBatches } from "./ccm-fixture.js";
import { nodeRuntime, type NodeRuntime } from "./image-runtime.js";
import { isInitialized, NodeWatcher, processFigures, vcenterCalls } from "./ccm-observe.js";
import {
  appInfo,
  expectedAddresses,
  flipGuestIp,
  guestIp,
  PORT_GROUPS,
  prepareVcenter,
  reconfigure,
  startScaleVcsim,
  writeCloudConfig,
  type ScaleVcenter,
  type ScaleVm,
} from "./scale-fixture.js";

const ENV_NAME = "bench-scale";
const LABEL = "bench.vsphere-cloud-provider/scale";
const SECRET = "vsphere-cloud-secret";
const CLUSTERS = 4;
const log = (msg: string) => process.stderr.write(`bench:scale: ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const round = (x: number, d = 3) => Number(x.toFixed(d));

function parse() {
  const { values } = parseArgs({
    options: {
      vcenters: { type: "string", default: "5" },
      vms: { type: "string", default: "20000" },
      nodes: { type: "string", default: "10000" },
      "extra-config": { type: "string", default: "100" },
      "app-info-kb": { type: "string", default: "16" },
      "idle-minutes": { type: "string", default: "2" },
      "churn-minutes": { type: "string", default: "2" },
      "churn-per-minute": { type: "string", default: "120" },
      "ip-flips-per-minute": { type: "string", default: "6" },
      "node-flags": { type: "string", default: "image" },
    },
  });
  const n = (k: keyof typeof values, min: number) => {
    const v = Number(values[k]);
    if (!(v >= min)) throw new Error(`--${k} ${values[k]}: a number >= ${min}`);
    return v;
  };
  const a = {
    vcenters: n("vcenters", 1),
    vms: n("vms", 1),
    nodes: n("nodes", 1),
    extraConfig: n("extra-config", 3),
    appInfoBytes: n("app-info-kb", 1) * 1024,
    idleMinutes: n("idle-minutes", 0),
    churnMinutes: n("churn-minutes", 0),
    churnPerMinute: n("churn-per-minute", 0),
    ipFlipsPerMinute: n("ip-flips-per-minute", 0),
    nodeFlags: String(values["node-flags"]),
  };
  if (a.nodes > a.vms) throw new Error(`--nodes ${a.nodes} exceeds --vms ${a.vms}`);
  return a;
}
type Args = ReturnType<typeof parse>;

/** Node i: every third by systemUUID, every third byte-swapped, every third by guest DNS name only. */
function scaleNode(vm: ScaleVm, i: number): V1Node {
  const uuid = i % 3 === 0 ? vm.uuid : i % 3 === 1 ? swapUuid(vm.uuid) : "";
  const node = kubeletNode(vm.nodeName, uuid);
  const now = new Date();
  node.metadata = { ...node.metadata, labels: { [LABEL]: "true" } };
  node.status = {
    ...node.status,
    conditions: [
      { type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: now, lastTransitionTime: now },
    ],
  };
  return node;
}

/** Node j's VM: spread over the vCenters round-robin. */
function nodeVms(vcs: ScaleVcenter[], nodes: number): ScaleVm[] {
  const out: ScaleVm[] = [];
  for (let j = 0; out.length < nodes; j++) for (const v of vcs) if (out.length < nodes && v.vms[j]) out.push(v.vms[j]);
  return out;
}

async function startCcm(
  pki: Awaited<ReturnType<typeof ensurePki>>,
  cfg: string,
  kubeconfig: string,
  runtime: NodeRuntime,
) {
  const out = join(REPO_ROOT, "bench", "out", "scale");
  await rm(join(out, "dist"), { recursive: true, force: true });
  await buildBundle(join(out, "dist"));
  await mkdir(join(out, "bin"), { recursive: true });
  const bin = join(out, "bin", "vsphere-cloud-controller-manager.js");
  await copyFile(join(REPO_ROOT, "bin", "vsphere-cloud-controller-manager.js"), bin);
  const port = await freePort();
  const tls = await serverCert(pki, "bench-scale");
  const logFile = createWriteStream(join(out, "ccm.log"));
  const synced = new Map<string, number>();
  const spawnedAt = Date.now();
  const child = spawn(
    process.execPath,
    [
      ...runtime.flags,
      bin,
      "--cloud-provider=vsphere",
      "--v=2",
      `--cloud-config=${cfg}`,
      `--kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--tls-cert-file=${tls.cert}`,
      `--tls-private-key-file=${tls.key}`,
      `--leader-elect-resource-name=bench-scale-${spawnedAt}`,
    ],
    // Two IP families: upstream refuses them without this gate, and so does our CCM.
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...runtime.env, ENABLE_ALPHA_DUAL_STACK: "true" } },
  );
  let partial = "";
  let lines = 0;
  child.stderr?.on("data", (d: Buffer) => {
    logFile.write(d);
    const all = (partial + d.toString()).split("\n");
    partial = all.pop() ?? "";
    for (const line of all) {
      lines++;
      if (!line.includes('"inventory synced"')) continue;
      const e = JSON.parse(line) as { ts: string; vcenter: string };
      if (!synced.has(e.vcenter)) synced.set(e.vcenter, Date.parse(e.ts));
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  return {
    pid: child.pid as number,
    spawnedAt,
    synced,
    logLines: () => lines,
    async metrics(adminToken: string) {
      const r = await httpsRequest(`https://127.0.0.1:${port}/metrics`, {
        caFile: pki.ca.cert,
        headers: { Authorization: `Bearer ${adminToken}` },
        timeoutMs: 20_000,
      });
      if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
      return r.body;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([new Promise((r) => child.once("exit", r)), sleep(20_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
      logFile.end();
    },
  };
}

/**
 * Rewrites appInfo on `perMinute` VMs a minute; flips the node-network IPv4 (the Node's InternalIP)
 * of `flips` Node VMs a minute.
 */
async function churn(sessions: VsphereSession[], vms: ScaleVm[], nodeVmList: ScaleVm[], a: Args, minutes: number) {
  const end = Date.now() + minutes * 60_000;
  let round = 1;
  let flipped = 0;
  const gap = 60_000 / Math.max(1, a.churnPerMinute);
  const flipEvery = a.ipFlipsPerMinute > 0 ? Math.max(1, Math.round(a.churnPerMinute / a.ipFlipsPerMinute)) : Infinity;
  for (let i = 0; Date.now() < end; i++, round++) {
    const started = Date.now();
    const vm = vms[(i * 7919) % vms.length];
    const s = sessions[vm.vcenter];
    await reconfigure(s, vm.ref, [
      typed("OptionValue", {
        key: "guestinfo.appInfo",
        value: { attributes: { "xsi:type": "xsd:string" }, $value: appInfo(a.appInfoBytes, round) },
      }),
    ]);
    if (i % flipEvery === flipEvery - 1) {
      // Never the probe of addressUpdate (node 0).
      const target = nodeVmList[1 + ((flipped * 104729) % Math.max(1, nodeVmList.length - 1))];
      flipped++;
      const ip = guestIp(target.vcenter, 200 + (flipped % 50), 1);
      await flipGuestIp(sessions[target.vcenter], target, ip);
    }
    await sleep(Math.max(0, gap - (Date.now() - started)));
  }
  return { rewrites: round - 1, ipFlips: flipped };
}

/**
 * A change of the node-network IPv4 (the InternalIP) on one initialized Node's VM, timed to the
 * watch event showing it on the Node: from the Reconfig task's completion, and from when vCenter
 * reports it, i.e. when a change feed of our own on that one VM delivers it. (vcsim re-collects
 * a filter's whole view for every modified object, so under churn its own delivery lags; vCenter
 * does not: see RESULTS.md.)
 */
async function addressUpdate(s: VsphereSession, probe: ScaleVm, watcher: NodeWatcher) {
  const newIp = guestIp(probe.vcenter, 249, 2);
  const ac = new AbortController();
  const feed = watch(
    s,
    { props: [{ type: "VirtualMachine", pathSet: ["guest.net"] }], source: { obj: probe.ref } },
    { signal: ac.signal, maxWaitSeconds: 60 },
  );
  await feed.next(); // the initial state
  const seen = watcher.until(
    "address update",
    () =>
      !!watcher.nodes
        .get(probe.nodeName)
        ?.status?.addresses?.some((x) => x.type === "InternalIP" && x.address === newIp),
    600_000,
  );
  const reportedP = (async () => {
    for (;;) {
      const b = await feed.next();
      if (b.done) return NaN;
      if (JSON.stringify(b.value.updates).includes(newIp)) return Date.now();
    }
  })();
  await flipGuestIp(s, probe, newIp);
  const taskDone = Date.now();
  const [seenAt, reportedAt] = await Promise.all([seen, reportedP]);
  ac.abort();
  await feed.return(undefined);
  return { fromReconfig: round((seenAt - taskDone) / 1000), fromReport: round((seenAt - reportedAt) / 1000) };
}

const addressesOf = (n: V1Node | undefined) => (n?.status?.addresses ?? []).map((x) => `${x.type}=${x.address}`).sort();

/**
 * Every Node has the addresses its VM's NICs call for (expectedAddresses): both families, from the
 * right NIC each. Throws with the first Node that has not, after giving the last patches a minute.
 */
async function checkAddresses(watcher: NodeWatcher, targets: ScaleVm[]): Promise<void> {
  const wrong = () =>
    targets.filter((vm) => addressesOf(watcher.nodes.get(vm.nodeName)).join() !== expectedAddresses(vm).join());
  try {
    await watcher.until("every Node's addresses", () => wrong().length === 0, 60_000);
  } catch {
    const bad = wrong();
    const vm = bad[0];
    throw new Error(
      `${bad.length} of ${targets.length} Nodes lack their VM's addresses, e.g. ${vm.nodeName}: ` +
        `${addressesOf(watcher.nodes.get(vm.nodeName)).join(", ")} (expected ${expectedAddresses(vm).join(", ")})`,
    );
  }
  const one = targets[0];
  log(
    `all ${targets.length} Nodes have their VM's addresses; ${one.nodeName} (${one.nics.length} NICs): ` +
      JSON.stringify(watcher.nodes.get(one.nodeName)?.status?.addresses),
  );
}

async function main(): Promise<void> {
  const a = parse();
  const perVc = Math.ceil(a.vms / a.vcenters);
  const vmsPerCluster = Math.ceil(perVc / CLUSTERS);
  log(
    `${a.vcenters} vCenters x ${CLUSTERS * vmsPerCluster} VMs, ${a.nodes} Nodes; starting (vcsim builds VMs before listening)`,
  );
  await down(ENV_NAME);
  const dir = runDir(ENV_NAME);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pki = await ensurePki(join(dir, "pki"));
  // Every vcsim serves the one "vcsim" certificate, issued on first use: issue it before they
  // start in parallel, or one instance reads the file while another is still writing it.
  await serverCert(pki, "vcsim");
  const t0 = Date.now();
  try {
    const spec = {
      dir,
      pki,
      env: {},
      clusters: CLUSTERS,
      vmsPerCluster,
      extraConfig: a.extraConfig,
      appInfoBytes: a.appInfoBytes,
      log,
    };
    // vc0 is the environment's own vcsim; the others start alongside it (vcsim is single-threaded
    // while it builds its inventory, so instances in parallel use both cores).
    const envP = up({
      name: ENV_NAME,
      controllerManager: false,
      log,
      vcsim: {
        uuidSeed: "scale-vc0",
        clustersPerDatacenter: CLUSTERS,
        hostsPerCluster: 1,
        vmsPerPool: vmsPerCluster,
        portgroupsPerDatacenter: PORT_GROUPS.length,
        readyTimeoutMs: 120_000 + perVc * 300,
      },
    });
    const othersP = Promise.all(Array.from({ length: a.vcenters - 1 }, (_, i) => startScaleVcsim(i + 1, spec)));
    const [env, others] = await Promise.all([envP, othersP]);
    spec.env = env.env;
    const all = [env.vcsim, ...others];
    const vcs = await Promise.all(all.map((vcsim, i) => prepareVcenter(i, spec, vcsim)));
    log(`fixture ready in ${(Date.now() - t0) / 1000} s`);
    const kc = new KubeConfig();
    kc.loadFromFile(env.kube.kubeconfig);
    const api = kc.makeApiClient(CoreV1Api);
    await api.deleteNamespacedSecret({ namespace: "kube-system", name: SECRET }).catch(() => {});
    const v = vcs[0].vcsim;
    await api.createNamespacedSecret({
      namespace: "kube-system",
      body: {
        metadata: { name: SECRET },
        stringData: { [`${v.host}.username`]: v.username, [`${v.host}.password`]: v.password },
      },
    });
    const cfg = await writeCloudConfig(dir, vcs, SECRET);
    const targets = nodeVms(vcs, a.nodes);
    const c0 = Date.now();
    await inBatches(targets, 20, async (vm, i) => {
      await api.createNode({ body: scaleNode(vm, i) });
    });
    log(`${a.nodes} Nodes registered in ${(Date.now() - c0) / 1000} s`);
    const watcher = new NodeWatcher(kc, api, `${LABEL}=true`);
    await watcher.start();
    await watcher.until("nodes listed", () => watcher.nodes.size === a.nodes, 300_000);

    const load1 = loadavg()[0];
    const runtime = await nodeRuntime(a.nodeFlags);
    const ccm = await startCcm(pki, cfg, env.kube.kubeconfig, runtime);
    try {
      const allAt = await watcher.until(
        `${a.nodes} initialized`,
        () => watcher.count(isInitialized) === a.nodes,
        1_800_000,
      );
      const initProc = await processFigures(ccm.pid);
      const syncedAt = Math.max(...ccm.synced.values());
      if (ccm.synced.size !== a.vcenters)
        throw new Error(`${ccm.synced.size} of ${a.vcenters} vCenters logged "inventory synced"`);
      const calls = vcenterCalls(await ccm.metrics(env.kube.adminToken));
      const logLinesAtInit = ccm.logLines();
      log(
        `all initialized ${(allAt - syncedAt) / 1000} s after the last sync (${(allAt - ccm.spawnedAt) / 1000} s from ` +
          `process start), ${calls.total} vCenter calls, peak RSS ${initProc.hwmMB} MB, ${initProc.cpuSeconds} CPU-s, ` +
          `${logLinesAtInit} log lines; idle ${a.idleMinutes} min`,
      );

      await checkAddresses(watcher, targets);

      const i0 = { at: Date.now(), calls: calls.total, cpu: (await processFigures(ccm.pid)).cpuSeconds };
      await sleep(a.idleMinutes * 60_000);
      const i1 = {
        at: Date.now(),
        calls: vcenterCalls(await ccm.metrics(env.kube.adminToken)).total,
        cpu: (await processFigures(ccm.pid)).cpuSeconds,
      };
      const perMin = (x: number, y: number, ms: number) => (ms > 0 ? round((y - x) / (ms / 60_000)) : null);

      log(
        `idle: ${perMin(i0.calls, i1.calls, i1.at - i0.at)} calls/min, ${perMin(i0.cpu, i1.cpu, i1.at - i0.at)} CPU-s/min; churn ${a.churnMinutes} min`,
      );
      const sessions = await Promise.all(vcs.map((x) => sessionFor(x.vcsim)));
      const allVms = vcs.flatMap((x) => x.vms);
      const before = vcenterCalls(await ccm.metrics(env.kube.adminToken));
      const ch0 = { at: Date.now(), calls: before.total, cpu: (await processFigures(ccm.pid)).cpuSeconds };
      const driven = await churn(sessions, allVms, targets, a, a.churnMinutes);
      log(`churn done: ${JSON.stringify(driven)}; address probe`);
      const after = vcenterCalls(await ccm.metrics(env.kube.adminToken));
      const ch1 = { at: Date.now(), calls: after.total, cpu: (await processFigures(ccm.pid)).cpuSeconds };
      const churnCallsByMethod = Object.fromEntries(
        Object.entries(after.byMethod)
          .map(([k, v]) => [k, v - (before.byMethod[k] ?? 0)] as const)
          .filter(([, v]) => v > 0),
      );

      // After the churn vcsim may still be working through its backlog (see addressUpdate).
      const address = await addressUpdate(sessions[targets[0].vcenter], targets[0], watcher).catch((err: unknown) => ({
        error: err instanceof Error ? err.message : String(err),
      }));
      for (const s of sessions) await s.close();
      // The flips changed NIC 0's IPv4 in the fixture as well: Nodes whose InternalIP has not followed.
      const staleAfterChurn = targets.filter(
        (vm) => addressesOf(watcher.nodes.get(vm.nodeName)).join() !== expectedAddresses(vm).join(),
      ).length;
      const proc = await processFigures(ccm.pid);
      console.log(
        JSON.stringify({
          nodes: a.nodes,
          vcenters: a.vcenters,
          vms: allVms.length,
          extraConfigPerVm: a.extraConfig,
          nics: allVms.reduce((n, vm) => n + vm.nics.length, 0),
          nodeAddressesChecked: a.nodes,
          appInfoKB: a.appInfoBytes / 1024,
          wallSeconds: {
            fromProcessStart: round((allAt - ccm.spawnedAt) / 1000),
            fromSync: round((allAt - syncedAt) / 1000),
          },
          vcenterCalls: calls.total,
          vcenterCallsByMethod: calls.byMethod,
          peakRssMB: proc.hwmMB,
          rssAtInitMB: initProc.hwmMB,
          cpuSecondsToInit: initProc.cpuSeconds,
          logLinesToInit: logLinesAtInit,
          idleMinutes: a.idleMinutes,
          idleCallsPerMin: perMin(i0.calls, i1.calls, i1.at - i0.at),
          idleCpuSecondsPerMin: perMin(i0.cpu, i1.cpu, i1.at - i0.at),
          churn: { minutes: a.churnMinutes, appInfoRewrites: driven.rewrites, ipFlips: driven.ipFlips },
          churnCallsPerMin: perMin(ch0.calls, ch1.calls, ch1.at - ch0.at),
          churnCallsByMethod,
          churnCpuSecondsPerMin: perMin(ch0.cpu, ch1.cpu, ch1.at - ch0.at),
          addressUpdateSeconds: address,
          nodesWithStaleAddressesAfterChurn: staleAfterChurn,
          nodeFlags: runtime.flags.join(" "),
          nodeEnv: runtime.env,
          nodeRuntime: runtime.from,
          machine: { cpus: cpus().length, load1AtStart: round(load1, 2) },
        }),
      );
    } finally {
      await ccm.stop();
      watcher.stop();
    }
  } finally {
    await down(ENV_NAME);
  }
}

main().catch((err: unknown) => {
  console.error(`bench:scale: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
