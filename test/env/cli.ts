// npm run engines -- install [--bench] | up | down | status [--name N] [--vms N --dc N --clusters N --hosts N]
import { ENGINES } from "./catalog.js";
import { down, status, up } from "./environment.js";
import { engineStatus, installEngines } from "./install.js";

const USAGE = `usage: npm run engines -- <command> [options]
  install [--bench]    build every test engine into the cache (skips what is built); --bench adds
                       the benchmarks' baseline (upstream's Go CCM, for bench:ccm --vs-upstream)
  up                   start vcsim, etcd, kube-apiserver, kube-controller-manager; write the env file
  down                 stop what 'up' started and remove its data
  status               list engines (built or not) and processes (running, stopped, crashed)
options for up/down/status:
  --name N             environment name (default: default)
options for up:
  --dc N --clusters N --hosts N --vms N --standalone-hosts N   vcsim inventory size
  --no-controller-manager                                      skip kube-controller-manager`;

function parse(argv: string[]): { cmd: string; flags: Map<string, string> } {
  const [cmd = "", ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
    const [k, v] = a.slice(2).split("=", 2);
    if (v !== undefined) flags.set(k, v);
    else if (k.startsWith("no-")) flags.set(k, "true");
    else flags.set(k, rest[++i] ?? "");
  }
  return { cmd, flags };
}

function int(flags: Map<string, string>, key: string): number | undefined {
  const v = flags.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} ${JSON.stringify(v)}: expected a whole number >= 0`);
  return n;
}

async function main(): Promise<void> {
  const { cmd, flags } = parse(process.argv.slice(2));
  const name = flags.get("name") ?? "default";
  const log = (s: string) => console.log(s);
  const t0 = Date.now();
  switch (cmd) {
    case "install":
      await installEngines({ log, bench: flags.has("bench") });
      console.log(`engines ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return;
    case "up": {
      const env = await up({
        name,
        log,
        controllerManager: flags.get("no-controller-manager") !== "true",
        vcsim: {
          datacenters: int(flags, "dc"),
          clustersPerDatacenter: int(flags, "clusters"),
          hostsPerCluster: int(flags, "hosts"),
          vmsPerPool: int(flags, "vms"),
          standaloneHosts: int(flags, "standalone-hosts"),
        },
      });
      console.log(`vCenter (vcsim)   ${env.vcsim.url}  user ${env.vcsim.username}`);
      console.log(`kube-apiserver    ${env.kube.server}`);
      console.log(`up in ${((Date.now() - t0) / 1000).toFixed(1)} s; env file: ${env.envFile}`);
      console.log(`  source ${env.envFile}`);
      return;
    }
    case "down": {
      const stopped = await down(name);
      console.log(stopped.length ? `stopped ${stopped.join(", ")}` : `nothing running in ${name}`);
      return;
    }
    case "status": {
      for (const e of ENGINES) {
        const s = await engineStatus(e);
        const state = s.built ? "built" : e.benchOnly ? "not built (bench only: install --bench)" : "not built";
        console.log(`engine  ${e.name.padEnd(24)} ${e.version.padEnd(10)} ${state}  ${s.binDir}`);
      }
      const procs = await status(name);
      if (procs.length === 0) console.log(`environment ${name}: nothing started`);
      for (const p of procs) {
        console.log(`process ${p.name.padEnd(24)} ${p.state}${p.pid ? ` pid ${p.pid}` : ""}`);
        if (p.logTail) console.log(p.logTail.replace(/^/gm, "    | "));
      }
      if (procs.some((p) => p.state === "crashed")) process.exitCode = 1;
      return;
    }
    default:
      console.error(USAGE);
      process.exitCode = cmd === "" || cmd === "help" || cmd === "--help" ? 0 : 2;
  }
}

main().catch((err: unknown) => {
  console.error(`engines: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
