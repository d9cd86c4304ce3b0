// The whole Pulumi program (index.ts, stack `local`) on the real engines, as `npm run local`
// runs it: vCenter snapshot -> pulumi up -> each object read back with govc -> the CCM (as the
// DaemonSet runs it: the ConfigMap, the Secret and a token of the ServiceAccount Pulumi made)
// initializes one Node per VM over 2 regions x 2 zones -> no changes on preview and a second up
// -> out-of-band drift found by refresh and repaired by up -> destroy leaves vCenter as it was,
// with a folder and a tag made before the stack untouched.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { down } from "../env/environment.js";
import { govcFor, type Govc } from "../env/govc.js";
import { localPulumi, localUp, type LocalRun } from "../env/local.js";
import { vcenterSnapshot, type GovcRole } from "../env/vcenter-snapshot.js";
import { stopProc } from "../env/proc.js";

const NAME = `e2e-program-${process.pid}`;
const DCS = ["DC0", "DC1"];

describe("the Pulumi program end to end", () => {
  let run: LocalRun | undefined;
  afterAll(async () => {
    if (run) await stopProc(run.env.dir, "ccm");
    await down(NAME);
  });

  it("up, CCM initialization, no-change preview, drift repair, destroy back to the snapshot", async () => {
    // Engines first (localUp reuses them), then what existed before the stack.
    const { up } = await import("../env/environment.js");
    const { LOCAL_VCSIM } = await import("../env/local.js");
    const e = await up({ name: NAME, vcsim: LOCAL_VCSIM });
    const govc: Govc = govcFor(e.env);
    await govc("folder.create", "/DC0/vm/pre-existing");
    await govc("tags.category.create", "pre-existing");
    await govc("tags.create", "-c", "pre-existing", "keep-me");
    await govc("tags.attach", "-c", "pre-existing", "keep-me", "/DC0");
    const before = await vcenterSnapshot(govc, DCS);

    run = await localUp(NAME);
    const cli = localPulumi(run.env);
    // Every node initialized, over 2 regions x 2 zones.
    expect(run.rows.map((r) => [r[1], r[4], r[5]]).sort()).toEqual([
      ["DC0_C0_RP0_VM0", "zone-a", "region-1"],
      ["DC0_C1_RP0_VM0", "zone-b", "region-1"],
      ["DC1_C0_RP0_VM0", "zone-c", "region-2"],
      ["DC1_C1_RP0_VM0", "zone-d", "region-2"],
    ]);
    for (const r of run.rows) {
      expect(r[2]).toMatch(/^vsphere:\/\/[0-9a-f-]{36}$/);
      expect(r[3]).toMatch(/^10\.0\.0\.\d+$/);
    }

    // vCenter as govc sees it.
    const out = await cli.outputs();
    const roles = await govc.json<{ Roles: GovcRole[] }>("role.usage", "-json");
    expect(roles.Roles.find((x) => x.name === out.roleName)?.privilege?.sort()).toEqual([
      "System.Anonymous",
      "System.Read",
      "System.View",
    ]);
    const perms = async (path: string) =>
      (
        await govc.json<{ Permissions: { principal: string; propagate: boolean }[] | null }>(
          "permissions.ls",
          "-json",
          "-a=false",
          path,
        )
      ).Permissions ?? [];
    expect((await perms("/")).find((p) => p.principal === "VSPHERE.LOCAL\\k8s-ccm")).toMatchObject({
      propagate: false,
    });
    for (const dc of DCS)
      expect((await perms(`/${dc}`)).find((p) => p.principal === "VSPHERE.LOCAL\\k8s-ccm")).toMatchObject({
        propagate: true,
      });
    expect(await govc("ls", "/DC0/vm")).toContain("/DC0/vm/kubernetes");
    expect((await govc("tags.attached.ls", "-r", "/DC0/host/DC0_C1")).split("\n")).toContain("zone-b");

    // Kubernetes objects Pulumi made.
    const kc = new KubeConfig();
    kc.loadFromFile(run.env.kube.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: String(out.namespace) });
    expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    const cm = await core.readNamespacedConfigMap({
      namespace: String(out.namespace),
      name: String(out.configMapName),
    });
    expect(cm.data?.["vsphere.conf"]).toMatch(/zone: k8s-zone/);

    // Nothing to change.
    const preview = await cli.preview("--expect-no-changes");
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(await cli.up()).not.toMatch(/[+~-] \d+ (created|updated|deleted)/);

    // Drift: a privilege added to the role and a zone tag deleted, out of band.
    await govc("role.update", "-a", String(out.roleName), "VirtualMachine.Config.AddNewDisk");
    await govc("tags.rm", "-c", "k8s-zone", "-f", "zone-d");
    const refreshed = await cli.refresh();
    // The role shows as updated (privileges drifted) and the tag and its attachment as deleted.
    expect(refreshed).toMatch(/~ +\d+ updated/);
    expect(refreshed).toMatch(/- +\d+ deleted/);
    await cli.up();
    const again = await govc.json<{ Roles: GovcRole[] }>("role.usage", "-json");
    expect(again.Roles.find((x) => x.name === out.roleName)?.privilege?.sort()).toEqual([
      "System.Anonymous",
      "System.Read",
      "System.View",
    ]);
    expect(await govc("tags.ls", "-c", "k8s-zone")).toMatch(/^zone-d\s/m);
    expect((await cli.preview("--expect-no-changes")).code).toBe(0);

    // Destroy: vCenter back to the snapshot; what existed before is still there.
    await stopProc(run.env.dir, "ccm");
    await cli.destroy();
    expect(await vcenterSnapshot(govc, DCS)).toEqual(before);
    expect(await govc("ls", "/DC0/vm")).toContain("/DC0/vm/pre-existing");
    expect((await govc("tags.attached.ls", "-r", "/DC0")).split("\n")).toContain("keep-me");
    // The namespace goes once kube-controller-manager has emptied it.
    let status = 0;
    for (let i = 0; i < 120 && status !== 404; i++) {
      status = await core.readNamespace({ name: String(out.namespace) }).then(
        () => 200,
        (err: { code?: number }) => err.code ?? 0,
      );
      if (status !== 404) await sleep(250);
    }
    expect(status).toBe(404);
  });
});
