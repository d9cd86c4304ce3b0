// The whole Pulumi program (index.ts, stack `local`) on a real local cluster, as `npm run local`
// runs it: kubelet nodes named after simulated VMs, the CCM image built from controller/Dockerfile,
// `pulumi up` waiting for the DaemonSet's rollout, and the DaemonSet's pod doing the work. One
// cluster for the whole file; the cases run in order and build on each other:
// up -> the pod (control plane, uid 65532, read-only root, probes, API server on 127.0.0.1) ->
// every Node initialized by that pod (audit log) -> no-change preview -> a cloud-config change
// rolls the pod -> a deleted pod comes back and leads -> a late worker is initialized -> drift
// repair -> destroy leaves vCenter as it was, with what existed before untouched.
import type { V1Node } from "@kubernetes/client-node";
import { CoordinationV1Api, KubeConfig } from "@kubernetes/client-node";
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInitialized, TAINT_UNINITIALIZED, until } from "../env/ccm.js";
import { addNode, type ClusterNode } from "../env/cluster.js";
import { finalStage } from "../env/dockerfile.js";
import { down, up } from "../env/environment.js";
import { govcFor, type Govc } from "../env/govc.js";
import { REPO_ROOT } from "../env/paths.js";
import { coreApi, LOCAL_VCSIM, localPulumi, localUp, type LocalRun } from "../env/local.js";
import {
  eventsByPod,
  hostProcesses,
  initializingWrites,
  nodeCreator,
  POD_NAME_EXTRA,
  readAudit,
  theReadyCcmPod,
} from "../env/pods.js";
import { vcenterSnapshot, type GovcRole } from "../env/vcenter-snapshot.js";

const NAME = `e2e-program-${process.pid}`;
const DCS = ["DC0", "DC1"];
const SA_USER = (ns: string) => `system:serviceaccount:${ns}:cloud-controller-manager`;
const log = (s: string) => console.log(`[e2e] ${s}`);

describe("the Pulumi program on a real local cluster", () => {
  let run: LocalRun;
  let govc: Govc;
  let before: Awaited<ReturnType<typeof vcenterSnapshot>>;
  let ns: string;
  const core = () => coreApi(run.env);
  const controlPlane = (): ClusterNode => run.cluster.nodes[0];
  const theReadyPod = () => theReadyCcmPod(core(), ns);

  beforeAll(async () => {
    // Engines first (localUp reuses them), then what existed before the stack.
    const e = await up({ name: NAME, vcsim: LOCAL_VCSIM, cluster: true });
    govc = govcFor(e.env);
    await govc("folder.create", "/DC0/vm/pre-existing");
    await govc("tags.category.create", "pre-existing");
    await govc("tags.create", "-c", "pre-existing", "keep-me");
    await govc("tags.attach", "-c", "pre-existing", "keep-me", "/DC0");
    before = await vcenterSnapshot(govc, DCS);
    run = await localUp(NAME, log);
    ns = String((await run.cli.outputs()).namespace);
    log(`up in ${run.seconds.total.toFixed(1)} s: ${JSON.stringify(run.seconds)}`);
  });
  afterAll(async () => {
    await down(NAME);
  });

  it("runs the DaemonSet's pod on the control-plane node, as the image's user, read-only, probed", async () => {
    const pod = await theReadyPod();
    expect(pod.spec?.nodeName).toBe(controlPlane().name);
    expect(pod.spec?.hostNetwork).toBe(true);
    // hostNetwork: the pod's IP is the node's, where the kubelet probed /healthz and /readyz.
    expect(pod.status?.podIP).toBe(controlPlane().ip);
    const status = pod.status?.containerStatuses?.[0];
    expect(status).toMatchObject({ ready: true, restartCount: 0 });
    expect(status?.image).toMatch(/vsphere-cloud-controller-manager:local$/);
    const [proc] = hostProcesses("/app/bin/vsphere-cloud-controller-manager.js", controlPlane().cgroupRoot);
    // Exactly the Dockerfile's ENTRYPOINT after the node binary (its V8 flags, then the bin).
    const { entrypoint } = finalStage(await readFile(join(REPO_ROOT, "controller", "Dockerfile"), "utf8"));
    expect(entrypoint.at(-1)).toBe("/app/bin/vsphere-cloud-controller-manager.js");
    expect(proc.cmdline.slice(1, entrypoint.length)).toEqual(entrypoint.slice(1));
    expect(proc.uid).toBe(65532);
    expect(proc.rootOptions).toContain("ro");
    // No kube-proxy: the pod must use 127.0.0.1, never the Service address the kubelet injects.
    expect(proc.env.KUBERNETES_SERVICE_HOST).toBe("127.0.0.1");
    expect(proc.env.KUBERNETES_SERVICE_PORT).toBe(String(run.env.kube.apiPort));
    expect(proc.cmdline).toContain(`--bind-address=${controlPlane().ip}`);
    // The probes' endpoints, where the kubelet reaches them (the serving certificate is the
    // CCM's own, made in memory: the kubelet does not verify it either).
    for (const path of ["/healthz", "/readyz"])
      expect(await probe(`https://${controlPlane().ip}:10258${path}`), path).toBe(200);
  });

  it("initializes every kubelet Node from that pod, with zone and region from the stack's tags", async () => {
    const pod = await theReadyPod();
    expect(run.rows.map((r) => [r[1], r[4], r[5]]).sort()).toEqual([
      ["DC0_C0_RP0_VM0", "zone-a", "region-1"],
      ["DC0_C1_RP0_VM0", "zone-b", "region-1"],
      ["DC1_C0_RP0_VM0", "zone-c", "region-2"],
    ]);
    for (const r of run.rows) {
      expect(r[2]).toMatch(/^vsphere:\/\/[0-9a-f-]{36}$/);
      expect(r[6]).toBe(`${pod.metadata?.name} (cloud-controller-manager)`);
    }
    const audit = await readAudit(run.env.kube.auditLog);
    for (const n of run.cluster.nodes) {
      const node = await core().readNode({ name: n.name });
      expect(node.status?.addresses).toContainEqual({ type: "InternalIP", address: n.ip });
      // The kubelet registered the Node (so the uninitialized taint is its doing) ...
      expect(nodeCreator(audit, n.name)).toBe(`system:node:${n.name}`);
      // ... and every write that initialized it came from the pod's ServiceAccount.
      const writes = initializingWrites(audit, n.name);
      expect(writes.length).toBeGreaterThan(0);
      for (const w of writes) {
        expect(w.user.username).toBe(SA_USER(ns));
        expect(w.user.extra?.[POD_NAME_EXTRA]).toEqual([pod.metadata?.name]);
      }
    }

    // vCenter as govc sees it.
    const out = await run.cli.outputs();
    const roles = await govc.json<{ Roles: GovcRole[] }>("role.usage", "-json");
    expect(roles.Roles.find((x) => x.name === out.roleName)?.privilege?.sort()).toEqual([
      "System.Anonymous",
      "System.Read",
      "System.View",
    ]);
    expect(await govc("ls", "/DC0/vm")).toContain("/DC0/vm/kubernetes");
    expect((await govc("tags.attached.ls", "-r", "/DC0/host/DC0_C1")).split("\n")).toContain("zone-b");
    // Kubernetes objects Pulumi made: the namespace admits the host-network pod, the ConfigMap
    // the pod mounts names the zone tag categories.
    const namespace = await core().readNamespace({ name: ns });
    expect(namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    const cm = await core().readNamespacedConfigMap({ namespace: ns, name: String(out.configMapName) });
    expect(cm.data?.["vsphere.conf"]).toMatch(/zone: k8s-zone/);
    expect(pod.spec?.volumes?.find((v) => v.configMap)?.configMap?.name).toBe(out.configMapName);
  });

  it("previews no changes, and a second up changes nothing", async () => {
    const preview = await run.cli.preview("--expect-no-changes");
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(await run.cli.up()).not.toMatch(/[+~-] \d+ (created|updated|deleted)/);
  });

  it("rolls the pod on a cloud-config change; the Nodes keep their providerIDs", async () => {
    const old = await theReadyPod();
    const oldConfigMap = String((await run.cli.outputs()).configMapName);
    const ids = await providerIds();
    // Pin vcsim by its SHA-1 thumbprint instead of SHA-256: a new cloud config, the same vCenter.
    await run.cli.ok(["config", "set", "--path", "vsphere-ccm:vcenter.thumbprint", run.env.env.VCSIM_THUMBPRINT]);
    await run.cli.up();
    const newConfigMap = String((await run.cli.outputs()).configMapName);
    expect(newConfigMap).not.toBe(oldConfigMap);
    const rolled = await until(
      "the rolled pod",
      async () => {
        const p = await theReadyPod();
        return p.metadata?.name !== old.metadata?.name ? p : undefined;
      },
      120_000,
      250,
    );
    expect(rolled.spec?.volumes?.find((v) => v.configMap)?.configMap?.name).toBe(newConfigMap);
    expect(await providerIds()).toEqual(ids);
    expect((await run.cli.preview("--expect-no-changes")).code).toBe(0);
  });

  it("brings a deleted pod back, and the new pod takes the Lease", async () => {
    const old = await theReadyPod();
    await core().deleteNamespacedPod({ namespace: ns, name: old.metadata?.name as string });
    const back = await until(
      "a new ready pod",
      async () => {
        const p = await theReadyPod();
        return p.metadata?.name !== old.metadata?.name ? p : undefined;
      },
      120_000,
      250,
    );
    const leaseWrites = await until(
      "a Lease write by the new pod",
      async () => {
        const evs = await eventsByPod(run.env.kube.auditLog, back.metadata?.name as string);
        const w = evs.filter((e) => e.objectRef?.resource === "leases" && ["create", "update"].includes(e.verb));
        return w.length > 0 && w;
      },
      60_000,
      250,
    );
    expect(leaseWrites[0].objectRef).toMatchObject({ namespace: "kube-system", name: "cloud-controller-manager" });
    const kc = new KubeConfig();
    kc.loadFromFile(run.env.kube.kubeconfig);
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: "kube-system", name: "cloud-controller-manager" });
    expect(lease.spec?.holderIdentity).toBeTruthy();
  });

  it("initializes a worker that joins later", async () => {
    const pod = await theReadyPod();
    const t0 = Date.now();
    const worker = await addNode(run.env, run.cluster, 3, log);
    const node = await until(
      `${worker.name} initialized`,
      async () => {
        const n = await core().readNode({ name: worker.name });
        return isInitialized(n) && n;
      },
      120_000,
      100,
    );
    log(
      `late worker ${worker.name}: registered and initialized ${((Date.now() - t0) / 1000).toFixed(1)} s after its kubelet started`,
    );
    expect(node.metadata?.labels).toMatchObject({
      "topology.kubernetes.io/zone": "zone-d",
      "topology.kubernetes.io/region": "region-2",
    });
    expect((node.spec?.taints ?? []).some((t) => t.key === TAINT_UNINITIALIZED)).toBe(false);
    const writes = (await eventsByPod(run.env.kube.auditLog, pod.metadata?.name as string)).filter(
      (e) => e.objectRef?.resource === "nodes" && e.objectRef.name === worker.name,
    );
    expect(writes.length).toBeGreaterThan(0);
  });

  it("finds out-of-band drift with refresh and repairs it with up", async () => {
    const out = await run.cli.outputs();
    await govc("role.update", "-a", String(out.roleName), "VirtualMachine.Config.AddNewDisk");
    await govc("tags.rm", "-c", "k8s-zone", "-f", "zone-d");
    const refreshed = await run.cli.refresh();
    // The role shows as updated (privileges drifted) and the tag and its attachment as deleted.
    expect(refreshed).toMatch(/~ +\d+ updated/);
    expect(refreshed).toMatch(/- +\d+ deleted/);
    await run.cli.up();
    const again = await govc.json<{ Roles: GovcRole[] }>("role.usage", "-json");
    expect(again.Roles.find((x) => x.name === out.roleName)?.privilege?.sort()).toEqual([
      "System.Anonymous",
      "System.Read",
      "System.View",
    ]);
    expect(await govc("tags.ls", "-c", "k8s-zone")).toMatch(/^zone-d\s/m);
    expect((await run.cli.preview("--expect-no-changes")).code).toBe(0);
  });

  it("destroys the DaemonSet and the vCenter objects, leaving what existed before", async () => {
    const cli = localPulumi(run.env);
    await cli.destroy();
    expect(await vcenterSnapshot(govc, DCS)).toEqual(before);
    expect(await govc("ls", "/DC0/vm")).toContain("/DC0/vm/pre-existing");
    expect((await govc("tags.attached.ls", "-r", "/DC0")).split("\n")).toContain("keep-me");
    // The namespace (and with it the DaemonSet and its pod) goes once kube-controller-manager
    // has emptied it and the kubelet has stopped the pod.
    await until(
      `namespace ${ns} gone`,
      async () =>
        core()
          .readNamespace({ name: ns })
          .then(
            () => false,
            (err: { code?: number }) => err.code === 404,
          ),
      120_000,
      250,
    );
    expect(hostProcesses("/app/bin/vsphere-cloud-controller-manager.js", controlPlane().cgroupRoot)).toEqual([]);
  });

  function probe(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
      req.on("error", reject);
      req.end();
    });
  }

  async function providerIds(): Promise<Record<string, string | undefined>> {
    const nodes: V1Node[] = await Promise.all(run.cluster.nodes.map((n) => core().readNode({ name: n.name })));
    const entries: [string, string | undefined][] = nodes.map((n) => [n.metadata?.name ?? "", n.spec?.providerID]);
    return Object.fromEntries(entries);
  }
});
