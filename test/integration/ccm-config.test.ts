// What an operator migrating from upstream sets, as the CCM process reads it: the config's
// user/password against a credentials Secret (upstream's order), the Secret's shared-session keys,
// the TLS fix hint in the config's own key names, and SKIP_NODE_DELETION. Each behaviour runs
// against its positive control in the same test: the same setup with one thing changed, doing
// the opposite, so a test cannot pass with the behaviour switched off.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInitialized, kubeletNode, startCcm, until, type CcmOptions, type CcmProcess } from "../env/ccm.js";
import { engines, enginesPki } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { serverCert, type Pki } from "../env/pki.js";
import { startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";

const run = `${process.pid}`;
const VCSIM = "vcsim-ccm-config";
/** The vSphere client's User-Agent (vsphere/http.ts): how the CCM's sessions are told from govc's. */
const CCM_AGENT = /^vsphere-cloud-provider-ts\//;
const FALLBACK = "vCenter rejected the user and password of the cloud config; using the credentials source";

/** Sum of a Prometheus sample family over the series carrying all `labels`. */
function metricValue(body: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

describe("the CCM process with the settings an operator migrating from upstream has", () => {
  let v: Vcsim;
  let pki: Pki;
  let govc: Govc;
  let api: CoreV1Api;
  let work: string;
  /** One serving certificate for every CCM here: issuing one per start races when they start together. */
  let servingCert: { cert: string; key: string };
  const running: CcmProcess[] = [];
  const secrets: string[] = [];
  const nodes: string[] = [];

  beforeAll(async () => {
    const { dir, env, kube } = engines();
    pki = await enginesPki();
    work = join(dir, `ccm-config-${run}`);
    await mkdir(work, { recursive: true, mode: 0o700 });
    v = await startVcsim(dir, pki, { name: VCSIM, clustersPerDatacenter: 1, hostsPerCluster: 1, vmsPerPool: 2 });
    govc = govcFor({ ...env, GOVC_URL: v.url });
    servingCert = await serverCert(pki, "ccm");
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    api = kc.makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    for (const name of nodes) await api.deleteNode({ name }).catch(() => {});
    for (const name of secrets) await api.deleteNamespacedSecret({ namespace: "kube-system", name }).catch(() => {});
    await stopVcsim(engines().dir, VCSIM);
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function secret(tag: string, data: Record<string, string>): Promise<string> {
    const name = `vsphere-cfg-${tag}-${run}`;
    await api.createNamespacedSecret({ namespace: "kube-system", body: { metadata: { name }, stringData: data } });
    secrets.push(name);
    return name;
  }

  /** A YAML cloud config for our vcsim; `vc1` gets `entry` (user, password, secretName...). */
  async function yamlConfig(tag: string, entry: Record<string, string>, global: string[] = []): Promise<string> {
    const path = join(work, `${tag}.yaml`);
    const lines = ["global:", `  port: ${v.port}`, `  caFile: ${v.caFile}`, ...global, "vcenter:", "  vc1:"];
    lines.push(`    server: ${v.host}`, "    datacenters: [DC0]");
    for (const [k, value] of Object.entries(entry)) lines.push(`    ${k}: ${JSON.stringify(value)}`);
    await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600 });
    return path;
  }

  async function start(tag: string, cloudConfig: string, o: Partial<CcmOptions> = {}): Promise<CcmProcess> {
    const ccm = await startCcm({
      cloudConfig,
      kubeconfig: engines().kube.kubeconfig,
      leaseName: `ccm-cfg-${tag}-${run}`,
      pki,
      logFile: join(work, `${tag}.log`),
      servingCert,
      ...o,
    });
    running.push(ccm);
    return ccm;
  }

  async function stop(ccm: CcmProcess): Promise<void> {
    await ccm.stop();
    running.splice(running.indexOf(ccm), 1);
  }

  /** The body of the first 503 from /readyz that matches `what`. */
  const notReadyWith = (ccm: CcmProcess, what: RegExp) =>
    until(`readyz to answer 503 with ${what}`, async () => {
      const r = await ccm.get("/readyz").catch(() => undefined);
      return r?.status === 503 && what.test(r.body) ? r.body : undefined;
    });

  const metrics = async (ccm: CcmProcess) => {
    const r = await ccm.get("/metrics", engines().kube.adminToken);
    expect(r.status).toBe(200);
    return r.body;
  };
  const logins = async (ccm: CcmProcess, result: "ok" | "error") =>
    metricValue(await metrics(ccm), "vsphere_ccm_vcenter_calls_total", { method: "Login", result });

  describe("user/password in the config and a credentials Secret: the config's pair first, as upstream", () => {
    it("falls back to the Secret when vCenter rejects the config's password, and stays with it", async () => {
      const good = await secret("good", { [`${v.host}.username`]: v.username, [`${v.host}.password`]: v.password });
      const wrongInline = { user: v.username, password: "not-the-password" };
      const [both, inlineOnly] = await Promise.all([
        start(
          "fallback",
          await yamlConfig("fallback", { ...wrongInline, secretName: good, secretNamespace: "kube-system" }),
        ),
        // Positive control: the same wrong pair with no Secret to fall back to is refused.
        start("inline-wrong", await yamlConfig("inline-wrong", wrongInline)),
      ]);
      expect(await notReadyWith(inlineOnly, /InvalidLogin/)).toMatch(
        /inventory of vCenter vc1 not synced: InvalidLoginFault/,
      );
      await both.waitReady();
      // The config's pair was tried first (one rejected Login), then the Secret's (accepted).
      expect(await logins(both, "error")).toBe(1);
      expect(await logins(both, "ok")).toBeGreaterThanOrEqual(1);
      expect(both.logs()).toContain(FALLBACK);
      expect(inlineOnly.logs()).not.toContain(FALLBACK);
      for (const c of [both, inlineOnly]) expect(c.logs()).not.toContain("not-the-password");
      await stop(inlineOnly);

      // vCenter ends the session: the next login goes to the Secret directly (upstream keeps the
      // credentials it fetched), so no second rejected login that could lock the account.
      type Sessions = { sessionList: { key: string; userAgent: string }[] };
      const ours = async () =>
        (await govc.json<Sessions>("session.ls", "-json")).sessionList.filter((s) => CCM_AGENT.test(s.userAgent));
      const before = await ours();
      expect(before.length).toBeGreaterThan(0);
      const okBefore = await logins(both, "ok");
      await govc("session.rm", ...before.map((s) => s.key));
      // A change ends the feed's WaitForUpdatesEx in flight; its next call meets NotAuthenticated.
      const vm = (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n")[0];
      await govc("vm.change", "-vm", vm, "-e", "SET.guest.ipAddress=10.40.0.1");
      await until("a new login", async () => (await logins(both, "ok")) > okBefore);
      expect(await logins(both, "error")).toBe(1);
      await both.waitReady();
      await stop(both);
    });

    it("uses the config's correct pair and never reads the Secret; without the pair the Secret decides", async () => {
      const wrong = await secret("wrong", {
        [`${v.host}.username`]: v.username,
        [`${v.host}.password`]: "secret-is-wrong",
      });
      const source = { secretName: wrong, secretNamespace: "kube-system" };
      const missing = { secretName: `no-such-secret-${run}`, secretNamespace: "kube-system" };
      const [inlineFirst, inlineNoSecret, secretOnly, missingOnly] = await Promise.all([
        start("inline-first", await yamlConfig("inline-first", { user: v.username, password: v.password, ...source })),
        start(
          "inline-nosecret",
          await yamlConfig("inline-nosecret", { user: v.username, password: v.password, ...missing }),
        ),
        // Positive controls: the same Secrets with no pair in the config are what fails.
        start("secret-only", await yamlConfig("secret-only", source)),
        start("missing-only", await yamlConfig("missing-only", missing)),
      ]);
      expect(await notReadyWith(secretOnly, /InvalidLogin/)).toMatch(/InvalidLoginFault/);
      expect(await notReadyWith(missingOnly, /cannot be read/)).toMatch(
        new RegExp(`secret kube-system/no-such-secret-${run}: cannot be read \\(404\\)`),
      );
      await inlineFirst.waitReady();
      await inlineNoSecret.waitReady();
      for (const c of [inlineFirst, inlineNoSecret]) {
        expect(await logins(c, "error")).toBe(0);
        expect(c.logs()).not.toContain(FALLBACK);
      }
      for (const c of [inlineFirst, inlineNoSecret, secretOnly, missingOnly]) await stop(c);
    });
  });

  it("logs in with the Secret's password next to vCenter's shared-session keys, warning once that those are not used", async () => {
    const token = "session-token-s3cret";
    const withSession = await secret("session", {
      [`${v.host}.username`]: v.username,
      [`${v.host}.password`]: v.password,
      [`${v.host}.vc-session-manager-url`]: "https://sessions.example.com/session",
      [`${v.host}.vc-session-manager-token`]: token,
    });
    const onlySession = await secret("session-only", {
      [`${v.host}.vc-session-manager-url`]: "https://sessions.example.com/session",
      [`${v.host}.vc-session-manager-token`]: token,
    });
    const [ok, refused] = await Promise.all([
      start("session", await yamlConfig("session", { secretName: withSession, secretNamespace: "kube-system" })),
      start(
        "session-only",
        await yamlConfig("session-only", { secretName: onlySession, secretNamespace: "kube-system" }),
      ),
    ]);
    await ok.waitReady();
    const warnings = ok
      .logs()
      .split("\n")
      .filter((l) => l.includes('"vCenter credentials warning"'));
    expect(warnings.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual([
      `secret kube-system/${withSession} key "${v.host}.vc-session-manager-url"`,
      `secret kube-system/${withSession} key "${v.host}.vc-session-manager-token"`,
    ]);
    expect(warnings[0]).toContain(`logs in with ${v.host}.username and ${v.host}.password instead`);
    // Positive control: the same keys without a password cannot log in, and the reason says why.
    expect(await notReadyWith(refused, /shared session service/)).toMatch(
      new RegExp(`only ${v.host}.vc-session-manager-url and .*not support; add the keys ${v.host}.username`),
    );
    for (const c of [ok, refused]) expect(c.logs()).not.toContain(token);
    await stop(ok);
    await stop(refused);
  });

  it("names the TLS keys of the config's own format when vCenter's certificate cannot be verified", async () => {
    const creds = [`  user: ${v.username}`, `  password: ${JSON.stringify(v.password)}`];
    const yaml = join(work, "tls.yaml");
    await writeFile(
      yaml,
      ["global:", `  server: ${v.host}`, `  port: ${v.port}`, `  caFile: ${pki.wrongCa.cert}`, ...creds, ""].join("\n"),
      { mode: 0o600 },
    );
    const ini = join(work, "tls.conf");
    const iniText = (ca: string) =>
      [
        "[Global]",
        `user = "${v.username}"`,
        `password = "${v.password}"`,
        `port = "${v.port}"`,
        `ca-file = "${ca}"`,
        `[VirtualCenter "${v.host}"]`,
        "",
      ].join("\n");
    await writeFile(ini, iniText(pki.wrongCa.cert), { mode: 0o600 });
    const iniGood = join(work, "tls-good.conf");
    await writeFile(iniGood, iniText(v.caFile), { mode: 0o600 });
    const [fromYaml, fromIni, good] = await Promise.all([
      start("tls-yaml", yaml),
      start("tls-ini", ini),
      // Positive control: the same INI with the right CA verifies and syncs.
      start("tls-good", iniGood),
    ]);
    const yamlWhy = await notReadyWith(fromYaml, /TlsVerificationError/);
    expect(yamlWhy).toContain(v.thumbprintSha1);
    expect(yamlWhy).toContain(
      "Trust its CA (caFile), pin its thumbprint (thumbprint), or, for a lab only, turn verification off (insecureFlag: true).",
    );
    const iniWhy = await notReadyWith(fromIni, /TlsVerificationError/);
    expect(iniWhy).toContain(
      "Trust its CA (ca-file), pin its thumbprint (thumbprint), or, for a lab only, turn verification off (insecure-flag = true).",
    );
    await good.waitReady();
    for (const c of [fromYaml, fromIni, good]) await stop(c);
  });

  it("never deletes a Node whose VM is gone while SKIP_NODE_DELETION is set (even to false); without it, deletes it", async () => {
    const good = await secret("nodes", { [`${v.host}.username`]: v.username, [`${v.host}.password`]: v.password });
    const cfg = await yamlConfig("nodes", { secretName: good, secretNamespace: "kube-system" });
    const path = (await govc("find", "/DC0/vm", "-type", "m")).trim().split("\n").sort()[1];
    const info = await govc.json<{ virtualMachines: { config: { uuid: string } }[] }>("vm.info", "-json", path);
    const name = `cfg-${run}-doomed`;
    // What VMware Tools reports in a real guest: its IP and the host name the kubelet registers.
    await govc("vm.change", "-vm", path, "-e", "SET.guest.ipAddress=10.40.0.20", "-e", `SET.guest.hostName=${name}`);
    nodes.push(name);
    await api.createNode({ body: kubeletNode(name, info.virtualMachines[0].config.uuid) });
    const gone = () =>
      api.readNode({ name }).then(
        () => false,
        (e: { code?: number }) => e.code === 404,
      );

    // "false" is what an operator might write to mean "delete": upstream reads only that it is set.
    const skipping = await start("skip", cfg, { env: { SKIP_NODE_DELETION: "false" }, args: ["--v=4"] });
    await until("node initialized", async () => isInitialized(await api.readNode({ name }))).catch((e: Error) => {
      throw new Error(`${e.message}\n${skipping.logs()}`);
    });
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
              reason: "Test",
              message: "set by the test",
              lastHeartbeatTime: new Date(),
              lastTransitionTime: new Date(),
            },
          ],
        },
      ],
    });
    await govc("vm.power", "-off", path);
    await govc("vm.destroy", path);
    expect(skipping.logs()).toContain("node deletion is off: SKIP_NODE_DELETION is set");
    // The lifecycle controller saw the VM gone and decided not to delete (logged at --v=4) ...
    await until("the decision not to delete", () =>
      skipping.logs().includes("is gone but node deletion is disabled (--no-node-deletion or SKIP_NODE_DELETION)"),
    );
    // ... and the Node is still there a while later.
    await sleep(2000);
    expect(await gone()).toBe(false);
    await stop(skipping);

    // Positive control: the same Node and destroyed VM, the variable unset: the Node is deleted.
    const deleting = await start("delete", cfg);
    await until("the node of the destroyed VM deleted", gone);
    expect(deleting.logs()).not.toContain("node deletion is off");
    await stop(deleting);
  });
});
