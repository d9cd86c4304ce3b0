// vsphere-cloud-controller-manager: `run` (default) | `migrate-config <in-tree.ini>` |
// `explain <node>` | `version`. Accepts the upstream manifest's arguments unchanged.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { CcmApp } from "./app.js";
import { planNodeInit } from "./cloud/plan-init.js";
import { ConfigError, loadConfig, migrateIni, type LoadedConfig } from "./config/index.js";
import { applyEnvironment, ignoredReasons, parseFlags, type Flags } from "./flags.js";
import { kubeConfig } from "./kube-config.js";
import { allowPaths, authClients, servingTls } from "./serving.js";
import { createLogger, type Logger } from "./log.js";
import { ConfigWatcher } from "./config-watch.js";
import { startServer } from "./http/server.js";
import { DelegatedAuth } from "./http/auth.js";
import { nodeFacts } from "./nodes/facts.js";

export const VERSION = "0.1.0";

const USAGE = `usage: vsphere-cloud-controller-manager [run] [flags]
       vsphere-cloud-controller-manager migrate-config <in-tree vsphere.conf>
       vsphere-cloud-controller-manager explain <node> [flags]
       vsphere-cloud-controller-manager version
flags: every flag of upstream v1.36.0 (docs/flags.md says which have a meaning here), among them
       --cloud-config FILE --kubeconfig FILE --v N --leader-elect[=false] --controllers *,-name
       --node-labels k=v,... --secure-port N --concurrent-node-syncs N --version;
       this controller's own: --no-node-deletion --tag-refresh-period 5m
environment: SKIP_NODE_DELETION (set to any value: never delete Nodes, as --no-node-deletion),
       VSPHERE_* cloud config overrides (see docs/configuration.md)`;

class UsageError extends Error {}

const LOAD = { exists: existsSync };

async function readConfig(flags: Flags, log: Logger): Promise<LoadedConfig> {
  if (!flags.cloudConfig) throw new UsageError("--cloud-config is required (the vsphere.conf file, YAML or INI)");
  let text: string;
  try {
    text = await readFile(flags.cloudConfig, "utf8");
  } catch (err) {
    throw new UsageError(
      `--cloud-config ${flags.cloudConfig}: cannot read it (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const loaded = loadConfig(text, process.env, LOAD);
  for (const i of loaded.ignored) log.info("cloud config key ignored", { key: i.key, reason: i.reason });
  for (const w of loaded.warnings) log.info("cloud config warning", { key: w.key, message: w.message });
  return loaded;
}

async function run(given: Flags): Promise<void> {
  const { flags, notes } = applyEnvironment(given, process.env);
  const log = createLogger({ verbosity: flags.verbosity });
  if (flags.ignored.length) log.info("flags accepted for compatibility and ignored", { flags: ignoredReasons(flags) });
  for (const note of notes) log.info(note);
  const loaded = await readConfig(flags, log);
  const { config, format } = loaded;
  const kc = kubeConfig(flags);
  const identity = `${hostname()}_${randomUUID()}`;
  const app = new CcmApp({ flags, config, format, kc, log, identity });
  const server = await startServer({
    bindAddress: flags.bindAddress,
    port: flags.securePort,
    certFile: flags.tlsCertFile,
    keyFile: flags.tlsKeyFile,
    tls: servingTls(flags),
    authorizer: delegatedAuth(flags, kc),
    notReady: () => app.notReady(),
    metrics: () => app.metrics.render(),
    onError: (err) => log.error("serving request failed", { err }),
  });
  log.info("serving", {
    address: flags.bindAddress,
    port: server.port,
    version: VERSION,
    vcenters: Object.keys(config.vcenter),
  });
  const ac = new AbortController();
  let watcher: ConfigWatcher | undefined;
  const stop = new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log.info("shutting down", { signal: sig });
      ac.abort();
      resolve();
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
    // A cloud config change that cannot apply live ends the process as a signal would.
    watcher = new ConfigWatcher({
      file: flags.cloudConfig as string,
      env: process.env,
      load: LOAD,
      log,
      current: loaded,
      onLive: (next) => app.applyConfig(next),
      onRestart: () => onSignal("cloud config changed"),
    });
  });
  app.start(ac.signal);
  await watcher?.start();
  await stop;
  watcher?.stop();
  await app.stop();
  await server.close();
  kc.closeConnections();
}

function delegatedAuth(flags: Flags, kc: KubeConfig): DelegatedAuth | ReturnType<typeof allowPaths> {
  const load = (file: string) => kubeConfig(flags, file);
  const { authn, authz } = authClients(flags, kc, load);
  return allowPaths(new DelegatedAuth(authn, flags.authCacheTtlSeconds * 1000, authz), flags.alwaysAllowPaths);
}

async function migrate(file: string | undefined): Promise<void> {
  if (!file) throw new UsageError("migrate-config needs the path of an in-tree vsphere.conf");
  const res = migrateIni(await readFile(file, "utf8"));
  process.stdout.write(res.yaml);
  for (const d of res.dropped) process.stderr.write(`dropped ${d.key}: ${d.reason}\n`);
  for (const w of res.warnings) process.stderr.write(`warning ${w.key}: ${w.message}\n`);
}

/** One-shot: load the inventory and tags, then say how the node would be initialized and why. */
async function explain(flags: Flags, node: string | undefined): Promise<void> {
  if (!node) throw new UsageError("explain needs a node name");
  const log = createLogger({ verbosity: 0, write: () => {} });
  const { config, format } = await readConfig(flags, log);
  const kc = kubeConfig(flags);
  const n = await kc.makeApiClient(CoreV1Api).readNode({ name: node });
  const app = new CcmApp({ flags: { ...flags, leaderElect: false }, config, format, kc, log, identity: "explain" });
  const ac = new AbortController();
  app.startInventoryOnly(ac.signal);
  const deadline = Date.now() + 60_000;
  while (app.notReady() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const why = app.notReady();
  const plan = planNodeInit(nodeFacts(n), app.store, app.initOptionsPublic());
  ac.abort();
  await app.stop();
  const out = [`node ${node}`];
  if (why) out.push(`warning: ${why}`);
  out.push(...plan.explain.map((l) => `  ${l}`));
  if ("reason" in plan) out.push(`result: not initializable yet: ${plan.reason}`);
  else {
    out.push(`result: VM ${plan.vm.vcenter}/${plan.vm.name} (matched by ${plan.how})`);
    out.push(`  providerID ${plan.patch.providerID}`);
    for (const a of plan.patch.addresses) out.push(`  ${a.type} ${a.address}`);
    for (const [k, v] of Object.entries(plan.patch.labels)) out.push(`  label ${k}=${v}`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { flags, args } = parseFlags(argv);
    // As upstream: --version answers before anything else is checked or read.
    if (flags.version) {
      process.stdout.write(`vsphere-cloud-controller-manager ${VERSION}\n`);
      return 0;
    }
    if (flags.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const [cmd = "run", ...rest] = args;
    switch (cmd) {
      case "run":
        await run(flags);
        return 0;
      case "migrate-config":
        await migrate(rest[0]);
        return 0;
      case "explain":
        await explain(flags, rest[0]);
        return 0;
      case "version":
        process.stdout.write(`vsphere-cloud-controller-manager ${VERSION}\n`);
        return 0;
      case "help":
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof UsageError) process.stderr.write(`${err.message}\n${USAGE}\n`);
    else
      process.stderr.write(`vsphere-cloud-controller-manager: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
