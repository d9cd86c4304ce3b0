// npm run bench:lifecycle -- [--rounds 5] [--controller-manager] [--idle-minutes 0]
// How long the lifecycle controller takes to act once vCenter reports a change (issue #12: under
// 2 s, the direct lookup before a deletion included). Starts its own small environment
// ("bench-lifecycle": vcsim, etcd, kube-apiserver, and kube-controller-manager with
// --controller-manager, whose node lifecycle controller taints NotReady Nodes too), one CCM process, and per round: a NotReady
// Node whose VM is powered off (shutdown taint), suspended (taint), and destroyed (Node deleted).
// Each figure runs from the start of the govc command to the event of a Node watch in this
// process (so govc's own time is included: an upper bound), and separately from the moment an
// independent PropertyCollector (ours, in this process) sees vCenter report the change. Prints
// one JSON line per round and a summary line; the CCM's log goes to bench/out/lifecycle.log.
// --idle-minutes N then leaves the CCM idle for N minutes and prints its vCenter calls per minute
// (from its /metrics), heartbeats included.
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { down, up, type Environment } from "../test/env/environment.js";
import { createCredentialsSecret, isInitialized, kubeletNode, secretCloudConfig, startCcm } from "../test/env/ccm.js";
import { govcFor, type Govc } from "../test/env/govc.js";
import { REPO_ROOT } from "../test/env/paths.js";
import { sessionFor } from "../test/env/vcsim.js";
import { createContainerView, watch } from "../vsphere/property.js";
import { asString } from "../vsphere/soap/codec.js";
import type { VsphereSession } from "../vsphere/session.js";
import { hasTaint, NodeWatcher, vcenterCalls } from "./ccm-observe.js";

const ENV_NAME = "bench-lifecycle";
const LABEL = "bench.vsphere-cloud-provider/lifecycle";
const TAINT_SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown";
const SECRET = "bench-lifecycle-credentials";
const log = (msg: string) => process.stderr.write(`bench:lifecycle: ${msg}\n`);
const round = (x: number) => Number(x.toFixed(3));

interface Vm {
  path: string;
  uuid: string;
}

/** When vCenter reports each VM's power state change or removal, from our own PropertyCollector. */
class VcenterEyes {
  readonly seen = new Map<string, number>();
  private readonly ctl = new AbortController();
  constructor(private readonly s: VsphereSession) {}
  async start(): Promise<void> {
    const view = await createContainerView(this.s, ["VirtualMachine"], { signal: this.ctl.signal });
    const feed = watch(
      this.s,
      { props: [{ type: "VirtualMachine", pathSet: ["name", "runtime.powerState"] }], source: { view } },
      { signal: this.ctl.signal, maxWaitSeconds: 60 },
    );
    const first = (async () => {
      for await (const batch of feed) {
        if (batch.initial) continue;
        const now = Date.now();
        for (const u of batch.updates) {
          const state = asString(u.changes.find((c) => c.path === "runtime.powerState")?.value);
          const key = `${u.obj.value}:${u.kind === "leave" ? "gone" : (state ?? "?")}`;
          if (!this.seen.has(key)) this.seen.set(key, now);
        }
      }
    })();
    void first.catch(() => {});
  }
  stop(): void {
    this.ctl.abort();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "5" },
      "controller-manager": { type: "boolean", default: false },
      "idle-minutes": { type: "string", default: "0" },
    },
  });
  const rounds = Number(values.rounds);
  await down(ENV_NAME);
  let env: Environment | undefined;
  try {
    env = await up({
      name: ENV_NAME,
      controllerManager: values["controller-manager"],
      log,
      vcsim: { clustersPerDatacenter: 1, hostsPerCluster: 1, vmsPerPool: 3 * rounds + 1 },
    });
    const govc: Govc = govcFor(env.env);
    const kc = new KubeConfig();
    kc.loadFromFile(env.kube.kubeconfig);
    const api = kc.makeApiClient(CoreV1Api);
    const vms: Vm[] = [];
    for (const path of (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort()) {
      const info = await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", path);
      vms.push({ path, uuid: info.virtualMachines[0].config.uuid });
      // What VMware Tools reports; initialization needs a guest host name.
      const i = vms.length;
      await govc(
        "vm.change",
        "-vm",
        path,
        "-e",
        `SET.guest.ipAddress=10.43.0.${i}`,
        "-e",
        `SET.guest.hostName=lc-${i}`,
      );
    }
    await createCredentialsSecret(api, SECRET, env.vcsim);
    const out = join(REPO_ROOT, "bench", "out");
    await mkdir(out, { recursive: true });
    const cloudConfig = join(env.dir, "bench-lifecycle.yaml");
    await writeFile(cloudConfig, secretCloudConfig(env.vcsim, SECRET));
    const ccm = await startCcm({
      cloudConfig,
      kubeconfig: env.kube.kubeconfig,
      leaseName: "bench-lifecycle",
      pki: env.pki,
      logFile: join(out, "lifecycle.log"),
    });
    const eyes = new VcenterEyes(await sessionFor(env.vcsim));
    await eyes.start();
    const watcher = new NodeWatcher(kc, api, `${LABEL}=true`);
    await watcher.start();
    const results: Record<string, number[]> = {};
    try {
      await ccm.waitReady();
      for (let r = 0; r < rounds; r++) {
        const row: Record<string, number> = { round: r + 1 };
        for (const what of ["poweredOff", "suspended", "gone"] as const) {
          const vm = vms.shift() as Vm;
          const name = `bench-lc-${r}-${what.toLowerCase()}`;
          const body: V1Node = kubeletNode(name, vm.uuid);
          body.metadata = { ...body.metadata, labels: { [LABEL]: "true" } };
          await api.createNode({ body });
          await watcher.until(
            `${name} initialized`,
            () => !!watcher.nodes.get(name) && isInitialized(watcher.nodes.get(name) as V1Node),
            60_000,
          );
          await api.patchNodeStatus({
            name,
            body: [
              {
                op: "add",
                path: "/status/conditions",
                value: [
                  {
                    type: "Ready",
                    status: "False",
                    reason: "Bench",
                    message: "bench",
                    lastHeartbeatTime: new Date(),
                    lastTransitionTime: new Date(),
                  },
                ],
              },
            ],
          });
          await watcher.until(
            `${name} NotReady`,
            () => (watcher.nodes.get(name)?.status?.conditions ?? []).some((c) => c.status === "False"),
            30_000,
          );
          await new Promise((res) => setTimeout(res, 1000)); // the CCM has judged it: VM on, nothing to do
          const ref = (
            await govc(
              "find",
              "-i",
              vm.path.replace(/\/[^/]+$/, ""),
              "-type",
              "m",
              "-name",
              vm.path.split("/").pop() as string,
            )
          )
            .trim()
            .replace(/^VirtualMachine:/, "");
          const t0 = Date.now();
          if (what === "poweredOff") await govc("vm.power", "-off", vm.path);
          if (what === "suspended") await govc("vm.power", "-suspend", vm.path);
          if (what === "gone") await govc("vm.destroy", vm.path);
          const done =
            what === "gone"
              ? await watcher.until(`${name} deleted`, () => !watcher.nodes.has(name), 60_000)
              : await watcher.until(
                  `${name} tainted`,
                  () => hasTaint(watcher.nodes.get(name) as V1Node, TAINT_SHUTDOWN),
                  60_000,
                );
          const reported = eyes.seen.get(`${ref}:${what}`);
          row[`${what}FromGovcSeconds`] = round((done - t0) / 1000);
          if (reported !== undefined) row[`${what}FromReportSeconds`] = round((done - reported) / 1000);
          for (const k of [`${what}FromGovcSeconds`, `${what}FromReportSeconds`]) {
            if (row[k] !== undefined) (results[k] ??= []).push(row[k]);
          }
        }
        console.log(JSON.stringify(row));
      }
      const summary = Object.fromEntries(
        Object.entries(results).map(([k, xs]) => [
          k,
          { min: Math.min(...xs), max: Math.max(...xs), median: xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] },
        ]),
      );
      console.log(JSON.stringify({ summary }));
      const idleMinutes = Number(values["idle-minutes"]);
      if (idleMinutes > 0) {
        const calls = async () => {
          const r = await ccm.get("/metrics", env?.kube.adminToken);
          return vcenterCalls(r.body);
        };
        const c0 = await calls();
        const t0 = Date.now();
        await new Promise<void>((res) => setTimeout(res, idleMinutes * 60_000));
        const c1 = await calls();
        const minutes = (Date.now() - t0) / 60_000;
        const byMethod = Object.fromEntries(
          Object.entries(c1.byMethod)
            .map(([k, n]): [string, number] => [k, n - (c0.byMethod[k] ?? 0)])
            .filter(([, n]) => n > 0),
        );
        console.log(
          JSON.stringify({
            idleMinutes: round(minutes),
            idleCallsPerMin: round((c1.total - c0.total) / minutes),
            byMethod,
          }),
        );
      }
    } finally {
      watcher.stop();
      eyes.stop();
      await ccm.stop();
    }
  } finally {
    await down(ENV_NAME);
  }
}

main().catch((err: unknown) => {
  console.error(`bench:lifecycle: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
