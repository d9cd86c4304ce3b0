// The GitOps path of the README on a real local cluster: `pulumi up` with `kubernetes.deploy:
// false` makes the vCenter objects only -> `npm run render` writes the Kubernetes objects
// (placeholders; the real password in clear; the real password through a sealing command) ->
// `kubectl apply --dry-run=server`, then `kubectl apply` of the plain render -> the rendered
// DaemonSet's pod runs from the CCM image built from controller/Dockerfile and initializes every
// kubelet Node as test/e2e/program.test.ts expects of the Pulumi-managed DaemonSet, its writes
// made with the rendered ServiceAccount (audit log). One cluster (local.ts's inventory and nodes)
// for the whole file; the cases run in order and build on each other.
import type { V1DaemonSet, V1ServiceAccount } from "@kubernetes/client-node";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../env/cluster.js";
import { down, up, type Environment } from "../env/environment.js";
import { coreApi, LOCAL_NODES, LOCAL_VCSIM, waitInitialized } from "../env/local.js";
import {
  hostProcesses,
  initializingWrites,
  nodeCreator,
  POD_NAME_EXTRA,
  readAudit,
  theReadyCcmPod,
} from "../env/pods.js";
import { docOf, gitopsStack, kubectlFor, renderCmd, secretFileValues, type Kubectl } from "./gitops-steps.js";

const NAME = `e2e-gitops-${process.pid}`;
const PLACEHOLDER = "REPLACE-WITH-vsphere-ccm-ccmPassword";
const log = (s: string) => console.log(`[e2e] ${s}`);

describe("GitOps: pulumi up for vCenter only, render, kubectl apply", () => {
  let e: Environment;
  let cluster: Cluster;
  let kubectl: Kubectl;
  let configFile: string;
  let out: Record<string, unknown>;
  const dirs: Record<"placeholders" | "plain" | "sealed", string> = { placeholders: "", plain: "", sealed: "" };
  let files: string[] = [];
  let secretFile: string;

  const t0 = Date.now();

  beforeAll(async () => {
    // The cluster `npm run local` makes (its nodes, and the CCM image imported into them), with
    // no Pulumi-managed Kubernetes objects: those come from the render.
    e = await up({ name: NAME, vcsim: LOCAL_VCSIM, cluster: true });
    cluster = await startCluster(e, { nodes: LOCAL_NODES, log });
    kubectl = kubectlFor(e);
    for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = await mkdtemp(join(tmpdir(), `gitops-${k}-`));
    log(`engines and cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
  afterAll(async () => {
    log(`whole file in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await down(NAME);
    for (const d of Object.values(dirs)) if (d) await rm(d, { recursive: true, force: true });
  });
  const render = (dir: string, ...more: string[]) =>
    renderCmd(e.env, "--stack", "local", "--config-file", configFile, "--out", dir, ...more);

  it("pulumi up with kubernetes.deploy: false makes the vCenter objects only, and names the Kubernetes ones", async () => {
    const stack = await gitopsStack(e);
    const cli = stack.cli;
    configFile = stack.configFile;
    await cli.up();
    out = await cli.outputs();
    const state = JSON.stringify(JSON.parse(await cli.ok(["stack", "export"])));
    expect(state).not.toMatch(/"type":"kubernetes:/);
    expect(state).toMatch(/vcenter:Permission/);
    expect(out.configMapName).toMatch(/^vsphere-cloud-config-[0-9a-f]{10}$/);
    expect((await kubectl.exec("get", "namespace", String(out.namespace))).out).toMatch(/NotFound/);
  });

  it("renders with placeholders by default; the password only when asked, in clear or sealed", async () => {
    const ns = String(out.namespace);
    const password = e.env.VCSIM_PASSWORD;
    const r1 = await render(dirs.placeholders);
    expect(r1.code, r1.stderr).toBe(0);
    files = (await readdir(dirs.placeholders)).filter((f) => f.endsWith(".yaml"));
    // Apply order: namespace, ServiceAccount, ClusterRole(Binding), Roles, RoleBindings, Secret, ConfigMap, DaemonSet.
    expect(files.map((f) => f.slice(0, 2))).toEqual([
      "00",
      "01",
      "02",
      "03",
      "04",
      "04",
      "05",
      "05",
      "05",
      "06",
      "07",
      "08",
    ]);
    secretFile = `06-secret-${ns}-${String(out.secretName)}.yaml`;
    expect(files).toContain(secretFile);
    expect(files).toContain(`07-configmap-${ns}-${String(out.configMapName)}.yaml`); // the name the stack reports
    for (const f of files) expect(await readFile(join(dirs.placeholders, f), "utf8")).not.toContain(password);
    expect(await secretFileValues(join(dirs.placeholders, secretFile))).toEqual({
      [`${e.env.VCSIM_SERVER}.username`]: e.env.VCSIM_USERNAME,
      [`${e.env.VCSIM_SERVER}.password`]: PLACEHOLDER,
    });

    // Plain, asked for explicitly: only the Secret differs, it is owner-only, and a warning says so.
    const r2 = await render(dirs.plain, "--secret-values", "plain");
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/warning: the Secret file holds the vCenter password in plain text/);
    expect((await readdir(dirs.plain)).filter((f) => f.endsWith(".yaml"))).toEqual(files);
    for (const f of files.filter((x) => x !== secretFile))
      expect(await readFile(join(dirs.plain, f), "utf8"), f).toBe(await readFile(join(dirs.placeholders, f), "utf8"));
    expect((await stat(join(dirs.plain, secretFile))).mode & 0o777).toBe(0o600);
    expect((await secretFileValues(join(dirs.plain, secretFile)))[`${e.env.VCSIM_SERVER}.password`]).toBe(password);

    // Sealed, through a stand-in for kubeseal (reads the Secret on stdin, prints its replacement):
    // the password went through the command only, and no file holds it.
    const sealer = `sed -e 's/^kind: Secret$/kind: SealedSecret/' -e 's/^\\(  [^:]*\\): .*/\\1: AgSealed/'`;
    const r3 = await render(dirs.sealed, "--seal-with", sealer);
    expect(r3.code, r3.stderr).toBe(0);
    const sealed = await readFile(join(dirs.sealed, secretFile.replace(/\.yaml$/, "-sealed.yaml")), "utf8");
    expect(sealed).toMatch(/^kind: SealedSecret$/m);
    expect(sealed).toMatch(/\.password: AgSealed$/m);
    for (const f of await readdir(dirs.sealed))
      expect(await readFile(join(dirs.sealed, f), "utf8"), f).not.toContain(password);
  });

  it("the apiserver accepts every rendered object (dry run, then apply), and rejects a broken one", async () => {
    // The namespace first: a dry run cannot create it for the objects inside it.
    await kubectl("apply", "-f", join(dirs.plain, files[0]));
    const dry = (await kubectl("apply", "--dry-run=server", "-f", dirs.plain)).trim().split("\n");
    expect(dry).toHaveLength(files.length);
    for (const line of dry) expect(line).toMatch(/ (created|unchanged|configured) \(server dry run\)$/);
    // Positive control: the same dry run refuses an invalid DaemonSet.
    const ds = await docOf<V1DaemonSet>(join(dirs.plain, files[files.length - 1]));
    const port = ds.spec?.template.spec?.containers[0].ports?.[0];
    expect(port?.containerPort).toBe(10258);
    if (port) port.containerPort = 70000;
    const broken = join(dirs.sealed, "..", `${NAME}-broken.json`);
    await writeFile(broken, JSON.stringify(ds));
    const rejected = await kubectl.exec("apply", "--dry-run=server", "-f", broken);
    await rm(broken);
    expect(rejected.code).not.toBe(0);
    expect(rejected.out).toMatch(/containerPort/);

    const applied = (await kubectl("apply", "-f", dirs.plain)).trim().split("\n");
    expect(applied).toHaveLength(files.length);
  });

  it("the rendered DaemonSet's pod, from the local image, initializes every kubelet Node as its ServiceAccount", async () => {
    const ns = String(out.namespace);
    const ds = await docOf<V1DaemonSet>(join(dirs.plain, files[files.length - 1]));
    const template = ds.spec?.template.spec;
    expect(template?.containers[0].image).toBe("vsphere-cloud-controller-manager:local");
    expect(ds.metadata?.annotations?.["pulumi.com/skipAwait"]).toBeUndefined();
    // The ServiceAccount the pod runs as is the rendered one.
    const sa = await docOf<V1ServiceAccount>(join(dirs.plain, files[1]));
    expect(template?.serviceAccountName).toBe(sa.metadata?.name);

    const pod = await theReadyCcmPod(coreApi(e), ns);
    expect(pod.spec?.nodeName).toBe(cluster.nodes[0].name); // the control plane
    const status = pod.status?.containerStatuses?.[0];
    expect(status).toMatchObject({ ready: true, restartCount: 0 });
    expect(status?.image).toMatch(/vsphere-cloud-controller-manager:local$/);
    // The local stack's keys reached the pod through the render: the API server on 127.0.0.1
    // (apiServerEndpoint) and the secure port on the node's own address (bindPodIp).
    const [proc] = hostProcesses("/app/bin/vsphere-cloud-controller-manager.js", cluster.nodes[0].cgroupRoot);
    expect(proc.env.KUBERNETES_SERVICE_HOST).toBe("127.0.0.1");
    expect(proc.cmdline).toContain(`--bind-address=${cluster.nodes[0].ip}`);

    const rows = await waitInitialized(e, cluster, 120_000);
    expect(rows.map((r) => [r[1], r[4], r[5]]).sort()).toEqual([
      ["DC0_C0_RP0_VM0", "zone-a", "region-1"],
      ["DC0_C1_RP0_VM0", "zone-b", "region-1"],
      ["DC1_C0_RP0_VM0", "zone-c", "region-2"],
    ]);
    for (const r of rows) expect(r[2]).toMatch(/^vsphere:\/\/[0-9a-f-]{36}$/);
    const audit = await readAudit(e.kube.auditLog);
    for (const [i, n] of cluster.nodes.entries()) {
      expect(rows[i][3].split(",")).toContain(`InternalIP=${n.ip}`);
      expect(nodeCreator(audit, n.name)).toBe(`system:node:${n.name}`);
      const writes = initializingWrites(audit, n.name);
      expect(writes.length).toBeGreaterThan(0);
      for (const w of writes) {
        expect(w.user.username).toBe(`system:serviceaccount:${ns}:${sa.metadata?.name}`);
        expect(w.user.extra?.[POD_NAME_EXTRA]).toEqual([pod.metadata?.name]);
      }
    }
  });
});
