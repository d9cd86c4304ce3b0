// The settings this machine's quirks need (DESIGN.md "Engines for tests"), in the files the
// local cluster writes for each node's kubelet and containerd, and subnet claims that two
// clusters starting at once cannot share.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimSubnet } from "./cluster.js";
import { containerdConfig, containerdPaths } from "./containerd.js";
import { kubeletConfig, type NodeSpec } from "./node.js";
import type { Pki } from "./pki.js";

const node: NodeSpec = {
  name: "dc0-c0-rp0-vm0",
  ip: "198.18.7.11",
  controlPlane: true,
  dir: "/cache/run/e/nodes/dc0-c0-rp0-vm0",
  runtimeDir: "/run/vscp/abcd1234/0",
  cgroupRoot: "vscp-e-dc0-c0-rp0-vm0",
};
const pki = { ca: { cert: "/pki/ca.crt", key: "/pki/ca.key" } } as Pki;

describe("a node's kubelet and containerd configuration", () => {
  it("kubelet: cgroup v1 allowed, own cgroup root and runtime socket, serving on the node IP only", () => {
    const c = JSON.parse(kubeletConfig(node, pki, { cert: "/n.crt", key: "/n.key" })) as Record<string, unknown>;
    expect(c).toMatchObject({
      failCgroupV1: false,
      cgroupDriver: "cgroupfs",
      cgroupRoot: "/vscp-e-dc0-c0-rp0-vm0",
      address: "198.18.7.11",
      healthzBindAddress: "198.18.7.11",
      readOnlyPort: 0,
      containerRuntimeEndpoint: "unix:///run/vscp/abcd1234/0/containerd.sock",
      authentication: { anonymous: { enabled: false }, x509: { clientCAFile: "/pki/ca.crt" } },
      registerWithTaints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
    });
    const worker = JSON.parse(kubeletConfig({ ...node, controlPlane: false }, pki, { cert: "", key: "" })) as {
      registerWithTaints: unknown[];
    };
    expect(worker.registerWithTaints).toEqual([]);
  });

  it("containerd: oom_score_adj only raised (no CAP_SYS_RESOURCE), cgroupfs, everything under the node's dirs", () => {
    const p = containerdPaths(node.dir, node.runtimeDir);
    const toml = containerdConfig(p, "localhost/vscp-pause:v1");
    expect(toml).toMatch(/^\s*restrict_oom_score_adj = true$/m);
    expect(toml).toMatch(/^\s*SystemdCgroup = false$/m);
    expect(toml).toMatch(/^\s*sandbox_image = "localhost\/vscp-pause:v1"$/m);
    expect(toml).toMatch(/^\s*stream_server_address = "127.0.0.1"$/m);
    for (const path of [...toml.matchAll(/(?:root|state|address|path|Root|bin_dir|conf_dir) = "([^"]+)"/g)].map(
      (m) => m[1],
    ))
      expect(path.startsWith(node.dir) || path.startsWith(node.runtimeDir) || path === "127.0.0.1", path).toBe(true);
    // A unix socket path holds 107 bytes.
    expect(`${p.socket}.ttrpc`.length).toBeLessThan(108);
  });
});

describe("node subnet claims", () => {
  let cache = "";
  const saved = process.env.VSCP_CACHE_DIR;
  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), "vscp-claims-"));
    process.env.VSCP_CACHE_DIR = cache;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.VSCP_CACHE_DIR;
    else process.env.VSCP_CACHE_DIR = saved;
    await rm(cache, { recursive: true, force: true });
  });

  it("gives two clusters starting at once different subnets, one cluster the same again, and takes over stale claims", async () => {
    const a = join(cache, "run", "a");
    const b = join(cache, "run", "b");
    await mkdir(a, { recursive: true });
    await mkdir(b, { recursive: true });
    const [sa, sb] = await Promise.all([claimSubnet(a), claimSubnet(b)]);
    expect(sa).not.toBe(sb);
    expect(await claimSubnet(a)).toBe(sa);
    await rm(a, { recursive: true });
    const c = join(cache, "run", "c");
    await mkdir(c, { recursive: true });
    expect(await claimSubnet(c)).toBe(sa);
  });
});
