// Watching the cloud config file (the mounted ConfigMap). Upstream's CCM exits on any change so
// its pod restarts (fsnotify + klog.Fatalf). Here a change is sorted first:
//   - `nodes` (address rules) and `labels` (tag category names, while zones stay on or off) are
//     applied live: the controller plans its Nodes again with them;
//   - anything else (vCenters, credentials, TLS, datacenters, zones switched on or off) rebuilds
//     sessions and caches, so the process stops cleanly (Lease released) and exits, and the pod
//     restarts with the new file, as upstream;
//   - a file that no longer loads changes nothing: the running configuration stays and the
//     problems are logged (upstream would restart into a crash loop).
// The file is compared by content every `intervalMs` (a ConfigMap update swaps a symlink, which
// file-system events on the old path miss); reading a small local file is the whole cost.
// Credentials need no watch: the Secret or secrets directory is read at every vCenter login.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigError, loadConfig, type Config, type LoadedConfig, type LoadOptions } from "./config/index.js";
import type { Logger } from "./log.js";

export type ReloadDecision =
  { kind: "same" } | { kind: "live"; config: Config; changed: string[] } | { kind: "restart"; changed: string[] };

const zonesOn = (c: Config) => !!(c.labels.zone || c.labels.region);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a new configuration means for the running controller. */
export function decideReload(old: Config, next: Config): ReloadDecision {
  const changed = (["global", "vcenter", "labels", "nodes"] as const).filter((k) => !same(old[k], next[k]));
  if (changed.length === 0) return { kind: "same" };
  const live = changed.every((k) => k === "nodes" || k === "labels") && zonesOn(old) === zonesOn(next);
  return live ? { kind: "live", config: next, changed } : { kind: "restart", changed };
}

export interface WatchOptions {
  file: string;
  env: NodeJS.ProcessEnv;
  load?: LoadOptions;
  log: Logger;
  /** The configuration running now. */
  current: LoadedConfig;
  onLive(config: Config, changed: string[]): void;
  onRestart(changed: string[]): void;
  intervalMs?: number;
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex");

export class ConfigWatcher {
  private timer?: NodeJS.Timeout;
  private lastHash?: string;
  private config: Config;
  private checking = false;

  constructor(private readonly o: WatchOptions) {
    this.config = o.current.config;
  }

  /** Starts polling; the file's content now is the baseline. */
  async start(): Promise<void> {
    this.lastHash = hash(await readFile(this.o.file, "utf8"));
    this.timer = setInterval(() => void this.check(), this.o.intervalMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One comparison with the file (exported for tests through start's timer). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.compare();
    } finally {
      this.checking = false;
    }
  }

  private async compare(): Promise<void> {
    const { log, file } = this.o;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      // Mid-swap or unmounted: the next check sees the settled file.
      log.v(2, "cloud config not readable; checking again", { file, err });
      return;
    }
    const h = hash(text);
    if (h === this.lastHash) return;
    this.lastHash = h;
    let loaded: LoadedConfig;
    try {
      loaded = loadConfig(text, this.o.env, this.o.load);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      log.error("cloud config changed but does not load; the running configuration stays", {
        file,
        problems: err.message,
      });
      return;
    }
    const d = decideReload(this.config, loaded.config);
    if (d.kind === "same") {
      log.info("cloud config file changed; its effective configuration did not", { file });
      return;
    }
    for (const w of loaded.warnings) log.info("cloud config warning", { key: w.key, message: w.message });
    if (d.kind === "live") {
      this.config = d.config;
      log.info("cloud config changed: applied without a restart", { file, sections: d.changed });
      this.o.onLive(d.config, d.changed);
      return;
    }
    log.info("cloud config changed: stopping so the pod restarts with it (as upstream)", {
      file,
      sections: d.changed,
    });
    this.stop();
    this.o.onRestart(d.changed);
  }
}
