// The GitOps path of the README on the real engines: `pulumi up` with `kubernetes.deploy: false`
// makes the vCenter objects only -> `npm run render` writes the Kubernetes objects (placeholders,
// then the real password on request) -> `kubectl apply --dry-run=server`, then `kubectl apply` ->
// the CCM runs as the rendered DaemonSet's pod would (its args, the applied ConfigMap, the
// Secret, a token of the rendered ServiceAccount, so the rendered RBAC is what runs) and
// initializes one Node per VM over 2 regions x 2 zones, as test/e2e/program.test.ts expects of
// the Pulumi-managed objects. No kubelet runs pods here yet (the local cluster has none), so the
// DaemonSet's pod is played by the CCM process; the objects are checked by the apiserver itself.
import type { V1DaemonSet, V1Node } from "@kubernetes/client-node";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { engine } from "../env/catalog.js";
import { isInitialized, kubeletNode, startCcm, until, type CcmProcess } from "../env/ccm.js";
import { down, up, type Environment } from "../env/environment.js";
import { govcFor } from "../env/govc.js";
import { engineBinDir } from "../env/install.js";
import { LOCAL_PASSPHRASE, LOCAL_VCSIM } from "../env/local.js";
import { REPO_ROOT } from "../env/paths.js";
import { PulumiCli } from "../env/pulumi.js";

const run = promisify(execFile);
const NAME = `e2e-gitops-${process.pid}`;
const PLACEHOLDER = "REPLACE-WITH-vsphere-ccm-ccmPassword";

interface Kubectl {
  (...args: string[]): Promise<string>;
  /** Exit code and both streams, never throwing. */
  exec(...args: string[]): Promise<{ code: number; out: string }>;
}

function kubectlFor(e: Environment): Kubectl {
  const bin = join(engineBinDir(engine("kubernetes")), "kubectl");
  const env = { ...process.env, KUBECONFIG: e.kube.kubeconfig };
  const exec = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(bin, args, { env, timeout: 60_000 });
      return { code: 0, out: stdout + stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await exec(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.out}`);
    return r.out;
  };
  return Object.assign(ok, { exec });
}

/** `npm run render -- <args>` as an operator runs it. */
async function renderCmd(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "render.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE },
      timeout: 300_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const docOf = async <T>(file: string): Promise<T> => parse(await readFile(file, "utf8")) as T;

describe("GitOps: pulumi up for vCenter only, render, kubectl apply", () => {
  let e: Environment | undefined;
  let ccm: CcmProcess | undefined;
  let cli: PulumiCli | undefined;
  const work: string[] = [];
  afterAll(async () => {
    await ccm?.stop();
    await cli?.exec(["destroy", "--stack", "local", "--yes"]);
    await down(NAME);
    for (const d of work) await rm(d, { recursive: true, force: true });
  });

  it("renders what Pulumi would make, the apiserver accepts it, and the CCM initializes every Node", async () => {
    e = await up({ name: NAME, vcsim: LOCAL_VCSIM });
    const env = e.env;
    const kubectl = kubectlFor(e);
    const govc = govcFor(env);

    // The stack, as local.ts configures it, with the Kubernetes side left to the operator.
    const configFile = join(e.dir, "Pulumi.local.yaml");
    await copyFile(join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), configFile);
    cli = new PulumiCli(REPO_ROOT, { ...env, PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE }, "local", [
      "--config-file",
      configFile,
    ]);
    await cli.ok(["stack", "init", "local"]);
    const set = (key: string, value: string, secret = false) =>
      cli!.ok(["config", "set", ...(secret ? ["--secret"] : []), "--path", key, value]);
    await set("vsphere:server", `${env.VCSIM_SERVER}:${env.VCSIM_PORT}`);
    await set("vsphere:user", env.VCSIM_USERNAME);
    await set("vsphere:password", env.VCSIM_PASSWORD, true);
    await set("vsphere:caFile", env.VCSIM_CA_FILE);
    await set("vsphere-ccm:vcenter.server", env.VCSIM_SERVER);
    await set("vsphere-ccm:vcenter.port", env.VCSIM_PORT);
    await set("vsphere-ccm:vcenter.thumbprint", env.VCSIM_THUMBPRINT_SHA256);
    await set("vsphere-ccm:ccmUsername", env.VCSIM_USERNAME);
    await set("vsphere-ccm:ccmPassword", env.VCSIM_PASSWORD, true);
    await set("vsphere-ccm:kubernetes.deploy", "false");

    // pulumi up: vCenter only. The outputs still name the objects the rendered YAML carries.
    await cli.up();
    const out = await cli.outputs();
    const state = JSON.stringify(JSON.parse(await cli.ok(["stack", "export"])));
    expect(state).not.toMatch(/"type":"kubernetes:/);
    expect(state).toMatch(/vcenter:Permission/);
    expect((await kubectl.exec("get", "namespace", String(out.namespace))).out).toMatch(/NotFound/);

    // render with placeholders: nothing holds the password.
    const placeholders = await mkdtemp(join(tmpdir(), "gitops-render-"));
    const plain = await mkdtemp(join(tmpdir(), "gitops-plain-"));
    work.push(placeholders, plain);
    const r1 = await renderCmd(env, "--stack", "local", "--config-file", configFile, "--out", placeholders);
    expect(r1.code, r1.stderr).toBe(0);
    const files = (await readdir(placeholders)).filter((f) => f.endsWith(".yaml"));
    expect(files.map((f) => f.replace(/-.*/, ""))).toEqual([
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
    const ns = String(out.namespace);
    const secretFile = `06-secret-${ns}-${String(out.secretName)}.yaml`;
    expect(files).toContain(secretFile);
    expect(files).toContain(`07-configmap-${ns}-${String(out.configMapName)}.yaml`);
    for (const f of files) expect(await readFile(join(placeholders, f), "utf8")).not.toContain(env.VCSIM_PASSWORD);
    const secretDoc = await docOf<{ data?: Record<string, string>; stringData?: Record<string, string> }>(
      join(placeholders, secretFile),
    );
    const values = {
      ...secretDoc.stringData,
      ...Object.fromEntries(
        Object.entries(secretDoc.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString()]),
      ),
    };
    expect(values).toEqual({
      [`${env.VCSIM_SERVER}.username`]: env.VCSIM_USERNAME,
      [`${env.VCSIM_SERVER}.password`]: PLACEHOLDER,
    });

    // render with the real password, asked for explicitly: only the Secret differs, owner-only.
    const r2 = await renderCmd(
      env,
      "--stack",
      "local",
      "--config-file",
      configFile,
      "--out",
      plain,
      "--secret-values",
      "plain",
    );
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/warning: the Secret file holds the vCenter password in plain text/);
    expect((await readdir(plain)).filter((f) => f.endsWith(".yaml"))).toEqual(files);
    for (const f of files.filter((x) => x !== secretFile))
      expect(await readFile(join(plain, f), "utf8"), f).toBe(await readFile(join(placeholders, f), "utf8"));
    expect((await stat(join(plain, secretFile))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(plain, secretFile), "utf8")).not.toContain(PLACEHOLDER);

    // Sealed, with a stand-in for kubeseal (it reads the Secret on stdin, prints a replacement):
    // the real password went through the command only, and no file holds it.
    const sealedDir = await mkdtemp(join(tmpdir(), "gitops-sealed-"));
    work.push(sealedDir);
    const sealer = `sed -e 's/^kind: Secret$/kind: SealedSecret/' -e 's/^\\(  [^:]*\\): .*/\\1: AgSealed/'`;
    const r3 = await renderCmd(
      env,
      "--stack",
      "local",
      "--config-file",
      configFile,
      "--out",
      sealedDir,
      "--seal-with",
      sealer,
    );
    expect(r3.code, r3.stderr).toBe(0);
    const sealedFile = secretFile.replace(/\.yaml$/, "-sealed.yaml");
    const sealed = await readFile(join(sealedDir, sealedFile), "utf8");
    expect(sealed).toMatch(/^kind: SealedSecret$/m);
    expect(sealed).toMatch(/\.password: AgSealed$/m);
    for (const f of await readdir(sealedDir))
      expect(await readFile(join(sealedDir, f), "utf8"), f).not.toContain(env.VCSIM_PASSWORD);

    // The apiserver's own checks (dry run), with a positive control that it does check.
    await kubectl("apply", "-f", join(plain, files[0])); // the namespace: a dry run cannot create it for the rest
    const dry = await kubectl("apply", "--dry-run=server", "-f", plain);
    expect(dry.trim().split("\n")).toHaveLength(files.length);
    for (const line of dry.trim().split("\n"))
      expect(line).toMatch(/ (created|unchanged|configured) \(server dry run\)$/);
    const broken = join(plain, "..", `${NAME}-broken.yaml`);
    work.push(broken);
    const ds = await docOf<V1DaemonSet>(join(plain, files[files.length - 1]));
    const port = ds.spec?.template.spec?.containers[0].ports?.[0];
    expect(port?.containerPort).toBe(10258);
    if (port) port.containerPort = 70000;
    await writeFile(broken, JSON.stringify(ds));
    const rejected = await kubectl.exec("apply", "--dry-run=server", "-f", broken);
    expect(rejected.code).not.toBe(0);
    expect(rejected.out).toMatch(/containerPort/);

    // Apply for real, and read back what the cluster holds.
    const applied = await kubectl("apply", "-f", plain);
    expect(applied.trim().split("\n")).toHaveLength(files.length);
    const cm = JSON.parse(await kubectl("get", "configmap", "-n", ns, String(out.configMapName), "-o", "json")) as {
      data: Record<string, string>;
    };
    expect(cm.data["vsphere.conf"]).toMatch(/zone: k8s-zone/);
    const daemonSet = JSON.parse(
      await kubectl("get", "daemonset", "-n", ns, "vsphere-cloud-controller-manager", "-o", "json"),
    ) as V1DaemonSet;
    const podSpec = daemonSet.spec?.template.spec;
    const container = podSpec?.containers[0];
    expect(container?.image).toBe("vsphere-cloud-controller-manager:local");
    expect(daemonSet.metadata?.annotations?.["pulumi.com/skipAwait"]).toBeUndefined();

    // The DaemonSet's pod, played by the CCM process: its args, the ConfigMap as /etc/cloud, a
    // token of the rendered ServiceAccount (the rendered RBAC decides what it may do).
    const etc = join(e.dir, "etc-cloud");
    await mkdir(etc, { recursive: true });
    for (const [k, v] of Object.entries(cm.data)) await writeFile(join(etc, k), v.replaceAll("/etc/cloud/", `${etc}/`));
    const saName = String(podSpec?.serviceAccountName);
    const token = (await kubectl("create", "token", "-n", ns, saName, "--duration=1h")).trim();
    const saKubeconfig = join(e.dir, "rendered-sa.kubeconfig");
    await writeFile(
      saKubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: l, cluster: {server: ${e.kube.server}, certificate-authority: ${e.kube.caFile}}}]\n` +
        `users: [{name: ccm, user: {token: ${token}}}]\ncontexts: [{name: l, context: {cluster: l, user: ccm}}]\ncurrent-context: l\n`,
      { mode: 0o600 },
    );
    const args = (container?.args ?? []).filter((a) => !a.startsWith("--cloud-config="));
    expect(args).toEqual(["--cloud-provider=vsphere", "--v=2", "--leader-elect=true"]);
    ccm = await startCcm({
      cloudConfig: join(etc, "vsphere.conf"),
      kubeconfig: saKubeconfig,
      leaseName: "cloud-controller-manager",
      pki: e.pki,
      args,
      logFile: join(e.dir, "gitops-ccm.log"),
    });

    // One Node per VM, registered as a kubelet would; guest IP and host name set with govc.
    const vms = (await govc("find", "/", "-type", "m")).trim().split("\n").filter(Boolean).sort();
    const nodes: { node: string; vm: string }[] = [];
    for (const [i, path] of vms.entries()) {
      const info = await govc.json<{ virtualMachines: { config: { uuid: string; name: string } }[] }>(
        "vm.info",
        "-json",
        path,
      );
      const { uuid, name } = info.virtualMachines[0].config;
      const node = name.toLowerCase().replace(/_/g, "-");
      await govc(
        "vm.change",
        "-vm",
        path,
        "-e",
        `SET.guest.ipAddress=10.0.0.${i + 2}`,
        "-e",
        `SET.guest.hostName=${node}`,
      );
      await writeFile(
        join(e.dir, `${node}.json`),
        JSON.stringify({ apiVersion: "v1", kind: "Node", ...kubeletNode(node, uuid) }),
      );
      await kubectl("create", "-f", join(e.dir, `${node}.json`));
      nodes.push({ node, vm: name });
    }
    const rows = await until(
      "every Node initialized by the CCM",
      async () => {
        const list = JSON.parse(await kubectl("get", "nodes", "-o", "json")) as { items: V1Node[] };
        const mine = list.items.filter((n) => nodes.some((x) => x.node === n.metadata?.name));
        if (mine.length !== nodes.length || !mine.every((n) => isInitialized(n))) return undefined;
        return mine.map((n) => [
          nodes.find((x) => x.node === n.metadata?.name)?.vm,
          n.metadata?.labels?.["topology.kubernetes.io/zone"],
          n.metadata?.labels?.["topology.kubernetes.io/region"],
          n.spec?.providerID,
          n.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
        ]);
      },
      120_000,
      250,
    );
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
