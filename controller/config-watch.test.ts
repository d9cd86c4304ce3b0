import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "./config/index.js";
import { ConfigWatcher, decideReload } from "./config-watch.js";
import { createLogger } from "./log.js";

const BASE = [
  "global:",
  "  user: u",
  "  password: p",
  "vcenter:",
  "  vc1:",
  "    server: 127.0.0.1",
  "labels:",
  "  region: k8s-region",
  "  zone: k8s-zone",
].join("\n");

describe("the cloud config watch", () => {
  let dir: string;
  let file: string;
  let lines: string[];
  let live: { config: Config; changed: string[] }[];
  let restarts: string[][];
  let watcher: ConfigWatcher;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "config-watch-"));
    file = join(dir, "vsphere.conf");
    await writeFile(file, `${BASE}\n`);
    lines = [];
    live = [];
    restarts = [];
    watcher = new ConfigWatcher({
      file,
      env: {},
      log: createLogger({ verbosity: 2, write: (l) => lines.push(l) }),
      current: loadConfig(BASE, {}),
      onLive: (config, changed) => live.push({ config, changed }),
      onRestart: (changed) => restarts.push(changed),
      intervalMs: 3_600_000,
    });
    await watcher.start();
  });

  afterEach(async () => {
    watcher.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const msgs = () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

  it("applies a change of the address rules live", async () => {
    await writeFile(file, `${BASE}\nnodes:\n  internalNetworkSubnetCidr: 10.0.0.0/8\n`);
    await watcher.check();
    expect(live).toHaveLength(1);
    expect(live[0].changed).toEqual(["nodes"]);
    expect(live[0].config.nodes.internalNetworkSubnetCidr).toEqual(["10.0.0.0/8"]);
    expect(restarts).toEqual([]);
    expect(msgs()).toContain("cloud config changed: applied without a restart");
  });

  it("stops for a restart when a vCenter changes (positive control for the live case)", async () => {
    await writeFile(file, BASE.replace("server: 127.0.0.1", "server: 127.0.0.2"));
    await watcher.check();
    expect(restarts).toEqual([["vcenter"]]);
    expect(live).toEqual([]);
    expect(msgs()).toContain("cloud config changed: stopping so the pod restarts with it (as upstream)");
  });

  it("keeps the running configuration when the new file does not load", async () => {
    await writeFile(file, "global:\n  port: eighty\n");
    await watcher.check();
    expect(live).toEqual([]);
    expect(restarts).toEqual([]);
    expect(msgs()).toContain("cloud config changed but does not load; the running configuration stays");
    // Fixed again: the same content as running is no change at all.
    await writeFile(file, `${BASE}\n# a comment\n`);
    await watcher.check();
    expect(live).toEqual([]);
    expect(restarts).toEqual([]);
  });

  it("does nothing while the file is unchanged", async () => {
    await watcher.check();
    await watcher.check();
    expect(lines).toEqual([]);
  });
});

describe("decideReload", () => {
  const cfg = (extra = "") => loadConfig(`${BASE}\n${extra}`, {}).config;

  it("restarts when zones are switched off (the tag cache would have to stop)", () => {
    const off = loadConfig(BASE.replace(/labels:[\s\S]*/, ""), {}).config;
    expect(decideReload(cfg(), off)).toEqual({ kind: "restart", changed: ["labels"] });
  });

  it("applies renamed tag categories live", () => {
    const renamed = loadConfig(BASE.replace("zone: k8s-zone", "zone: zones"), {}).config;
    expect(decideReload(cfg(), renamed)).toMatchObject({ kind: "live", changed: ["labels"] });
  });
});
