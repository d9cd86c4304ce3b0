// The GitOps path of the README on the real engines: `pulumi up` with `kubernetes.deploy: false`
// makes the vCenter objects only -> `npm run render` writes the Kubernetes objects (placeholders;
// the real password in clear; the real password through a sealing command) -> `kubectl apply
// --dry-run=server`, then `kubectl apply` -> the CCM runs as the rendered DaemonSet's pod would
// (its args, the applied ConfigMap and Secret, a token of the rendered ServiceAccount, so the
// rendered RBAC is what runs) and initializes one Node per VM over 2 regions x 2 zones, as
// test/e2e/program.test.ts expects of the Pulumi-managed objects. No kubelet runs pods here yet
// (the local cluster has none), so the DaemonSet's pod is played by the CCM process; the
// objects themselves are checked and stored by the apiserver.
import type { V1DaemonSet } from "@kubernetes/client-node";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CcmProcess } from "../env/ccm.js";
import { down, up, type Environment } from "../env/environment.js";
import { govcFor } from "../env/govc.js";
import { LOCAL_VCSIM } from "../env/local.js";
import type { PulumiCli } from "../env/pulumi.js";
import {
  docOf,
  gitopsStack,
  initializedRows,
  kubectlFor,
  registerVmNodes,
  renderCmd,
  runAsDaemonSetPod,
  secretFileValues,
  type Kubectl,
} from "./gitops-steps.js";

const NAME = `e2e-gitops-${process.pid}`;
const PLACEHOLDER = "REPLACE-WITH-vsphere-ccm-ccmPassword";

describe("GitOps: pulumi up for vCenter only, render, kubectl apply", () => {
  let e: Environment;
  let kubectl: Kubectl;
  let cli: PulumiCli | undefined;
  let configFile: string;
  let out: Record<string, unknown>;
  let ccm: CcmProcess | undefined;
  const dirs: Record<"placeholders" | "plain" | "sealed", string> = { placeholders: "", plain: "", sealed: "" };
  let files: string[] = [];
  let secretFile: string;

  beforeAll(async () => {
    e = await up({ name: NAME, vcsim: LOCAL_VCSIM });
    kubectl = kubectlFor(e);
    for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) dirs[k] = await mkdtemp(join(tmpdir(), `gitops-${k}-`));
  });
  afterAll(async () => {
    await ccm?.stop();
    await cli?.exec(["destroy", "--stack", "local", "--yes"]);
    await down(NAME);
    for (const d of Object.values(dirs)) if (d) await rm(d, { recursive: true, force: true });
  });
  const render = (dir: string, ...more: string[]) =>
    renderCmd(e.env, "--stack", "local", "--config-file", configFile, "--out", dir, ...more);

  it("pulumi up with kubernetes.deploy: false makes the vCenter objects only, and names the Kubernetes ones", async () => {
    ({ cli, configFile } = await gitopsStack(e));
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

  it("the CCM run as the rendered DaemonSet's pod initializes every Node with its zone and region", async () => {
    const started = await runAsDaemonSetPod(e, kubectl, String(out.namespace));
    ccm = started.ccm;
    expect(started.args).toEqual(["--cloud-provider=vsphere", "--v=2", "--leader-elect=true"]);
    expect(started.daemonSet.spec?.template.spec?.containers[0].image).toBe("vsphere-cloud-controller-manager:local");
    expect(started.daemonSet.metadata?.annotations?.["pulumi.com/skipAwait"]).toBeUndefined();

    const nodes = await registerVmNodes(e, govcFor(e.env), kubectl);
    const rows = await initializedRows(kubectl, nodes);
    expect(rows.map((r) => r.slice(0, 3)).sort()).toEqual([
      ["DC0_C0_RP0_VM0", "zone-a", "region-1"],
      ["DC0_C1_RP0_VM0", "zone-b", "region-1"],
      ["DC1_C0_RP0_VM0", "zone-c", "region-2"],
      ["DC1_C1_RP0_VM0", "zone-d", "region-2"],
    ]);
    for (const r of rows) {
      expect(r[3]).toMatch(/^vsphere:\/\/[0-9a-f-]{36}$/);
      expect(r[4]).toMatch(/^10\.0\.0\.\d+$/);
    }
  });
});
