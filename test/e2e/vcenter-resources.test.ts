// The vCenter resources through the real Pulumi engine (CLI, Node.js host, dynamic-provider host)
// against the shared vcsim: `up` makes one of each (program in ./vcenter), govc sees them, a
// preview is clean, drift made out of band (a role's privileges, a deleted tag) is reported by
// `refresh` and repaired by `up`, and `destroy` leaves vCenter as it was, with a pre-existing
// category and tag adopted and untouched, and another principal's permission on the same
// datacenter untouched by up, refresh and destroy, including a change made to it out of band.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { vcenterSnapshot, type GovcCategory, type GovcPermission, type GovcRole } from "../env/vcenter-snapshot.js";
import { PulumiCli } from "../env/pulumi.js";
import { createVcsimUser } from "../env/vcsim.js";

const PREFIX = `e2e-vc-${process.pid}`;
const PRINCIPAL = `VSPHERE.LOCAL\\${PREFIX}-ccm`;
const OTHER = `VSPHERE.LOCAL\\${PREFIX}-other`;
const ADOPT_CATEGORY = `${PREFIX}-region`;
const ADOPT_TAG = "region-1";
const PRIVILEGES = ["VirtualMachine.Config.AddNewDisk", "Datastore.Browse", "System.Read"];

describe("vCenter resources through the Pulumi engine", () => {
  let work: string;
  let cli: PulumiCli;
  let govc: Govc;
  let before: Awaited<ReturnType<typeof vcenterSnapshot>>;

  beforeAll(async () => {
    const { env, vcsim } = engines();
    govc = govcFor(env);
    // Pre-existing objects the stack must leave alone: another principal's permission on the
    // datacenter (which the stack also grants on) and a category with a tag it adopts.
    await govc("permissions.set", "-principal", OTHER, "-role", "ReadOnly", "/DC0");
    await govc("tags.category.create", "-t", "Datacenter", "-m", ADOPT_CATEGORY);
    await govc("tags.create", "-c", ADOPT_CATEGORY, "-d", "theirs", ADOPT_TAG);
    before = await vcenterSnapshot(govc);
    // The principal the stack grants to exists in the directory, as vCenter requires (the
    // Permission's check asks); the user directory is not part of the snapshot.
    await createVcsimUser(govc, `${PREFIX}-ccm`);

    work = await mkdtemp(join(tmpdir(), "vcenter-e2e-"));
    cli = new PulumiCli(join(import.meta.dirname, "vcenter"), { ...env, PULUMI_BACKEND_URL: `file://${work}` }, "vc");
    await cli.init(
      {
        prefix: PREFIX,
        datacenter: "DC0",
        principal: PRINCIPAL,
        adoptCategory: ADOPT_CATEGORY,
        adoptTag: ADOPT_TAG,
        "vsphere:server": vcsim.url,
        "vsphere:user": vcsim.username,
        "vsphere:caFile": vcsim.caFile,
      },
      { "vsphere:password": vcsim.password },
    );
    for (const [i, priv] of PRIVILEGES.entries())
      await cli.ok(["config", "set", "--stack", "vc", "--path", `privileges[${i}]`, priv]);
  });

  afterAll(async () => {
    await cli?.exec(["destroy", "--stack", "vc", "--yes"]);
    await cli?.removeStack();
    if (work) await rm(work, { recursive: true, force: true });
    await govc?.("permissions.remove", "-principal", OTHER, "/DC0").catch(() => {});
    await govc?.("tags.category.rm", "-f", ADOPT_CATEGORY).catch(() => {});
  });

  it("up, clean preview, refresh of out-of-band drift, repair, and a destroy that leaves vCenter as it was", async () => {
    await cli.up();
    const out = await cli.outputs();
    const role = `${PREFIX}-role`;
    expect(out).toMatchObject({
      rolePrivileges: ["Datastore.Browse", "VirtualMachine.Config.AddNewDisk"],
      folderPath: `/DC0/vm/${PREFIX}`,
      permissionOnFolder: role,
      regionAdopted: true,
      regionTagAdopted: true,
    });

    // Each object as govc sees it.
    const roles = await govc.json<{ Roles: GovcRole[] }>("role.usage", "-json");
    const made = roles.Roles.find((r) => r.name === role);
    expect(made?.roleId).toBe(out.roleId);
    expect([...(made?.privilege ?? [])].sort()).toEqual([
      "Datastore.Browse",
      "System.Anonymous",
      "System.Read",
      "System.View",
      "VirtualMachine.Config.AddNewDisk",
    ]);
    expect(await govc("ls", "-i", "/DC0/vm")).toContain(`Folder:${String(out.folderMoid)}`);
    const direct = async (path: string) =>
      (await govc.json<{ Permissions: GovcPermission[] | null }>("permissions.ls", "-json", "-a=false", path))
        .Permissions ?? [];
    expect(await direct(`/DC0/vm/${PREFIX}`)).toMatchObject([
      { principal: PRINCIPAL, roleId: out.roleId, propagate: true },
    ]);
    const onDc = await direct("/DC0");
    expect(onDc.find((p) => p.principal === PRINCIPAL)).toMatchObject({ roleId: out.roleId, propagate: false });
    expect(onDc.find((p) => p.principal === OTHER)).toMatchObject({ roleId: -2, propagate: true }); // untouched
    const categories = (await govc.json<GovcCategory[]>("tags.category.ls", "-json")).filter((c) =>
      c.name.startsWith(PREFIX),
    );
    expect(categories.find((c) => c.name === `${PREFIX}-zone`)).toMatchObject({
      id: out.zoneCategoryId,
      cardinality: "SINGLE",
      associable_types: ["ClusterComputeResource", "Datacenter"],
    });
    expect(categories.find((c) => c.name === ADOPT_CATEGORY)?.id).toBe(out.regionCategoryId);
    expect(await govc("tags.info", String(out.zoneTagId))).toContain("zone-a");
    expect((await govc.json<string[]>("tags.attached.ls", "-json", "-r", "/DC0")).sort()).toEqual([
      ADOPT_TAG,
      "zone-a",
    ]);

    // The state holds no password in clear, and each resource's stored provider code names its
    // module by package name only (no path of this checkout, no captured module).
    const state = JSON.parse(await cli.ok(["stack", "export", "--stack", "vc"])) as {
      deployment: { resources: { type: string; inputs?: { __provider?: string } }[] };
    };
    expect(JSON.stringify(state)).not.toContain(engines().vcsim.password);
    const roleCode = state.deployment.resources.find((r) => r.type.endsWith("vcenter:Role"))?.inputs?.__provider ?? "";
    expect(roleCode).toContain('specifier: "vsphere-cloud-provider/components/vcenter/role-ops"');
    expect(roleCode).not.toContain(join(import.meta.dirname, "..", ".."));

    const clean = await cli.preview("--expect-no-changes");
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);

    // Someone else changes the other principal's entry on the datacenter: no later run reverts it.
    await govc("permissions.set", "-principal", OTHER, "-role", "Admin", "-propagate=false", "/DC0");
    const otherOnDc = async () => (await direct("/DC0")).find((p) => p.principal === OTHER);

    // Drift out of band: the role loses a privilege, the owned tag is deleted (with its attachment).
    await govc("role.update", role, "Datastore.Browse");
    await govc("tags.rm", "-f", "-c", `${PREFIX}-zone`, "zone-a");
    const refreshed = await cli.refresh();
    expect(await otherOnDc()).toMatchObject({ roleId: -1, propagate: false });
    expect(refreshed).toMatch(/vcenter:Role\s+role\s+updated/);
    expect(refreshed).toMatch(/vcenter:Tag\s+zone-a\s+deleted/);
    expect(refreshed).toMatch(/vcenter:TagAttachment\s+zone-a-on-dc\s+deleted/);
    const drift = await cli.preview("--expect-no-changes");
    expect(drift.code).not.toBe(0);
    await cli.up();
    expect(await otherOnDc()).toMatchObject({ roleId: -1, propagate: false });
    expect(await govc("role.ls", role)).toContain("VirtualMachine.Config.AddNewDisk");
    expect((await govc.json<string[]>("tags.attached.ls", "-json", "-r", "/DC0")).sort()).toEqual([
      ADOPT_TAG,
      "zone-a",
    ]);
    const repaired = await cli.preview("--expect-no-changes");
    expect(repaired.code, repaired.stdout + repaired.stderr).toBe(0);

    // Credentials come from the stack config at each run, never from the state's copy of the
    // program: a refresh that runs the program logs in with the current (here wrong) password and
    // says who could not log in, without printing the password. Previews need no vCenter at all.
    const wrong = "Not-the-Passw0rd";
    await cli.ok(["config", "set", "--stack", "vc", "--secret", "vsphere:password", wrong]);
    const offline = await cli.preview("--expect-no-changes");
    expect(offline.code, offline.stdout + offline.stderr).toBe(0);
    // A plain refresh still logs in: it configures the provider from the stack config recorded at
    // the last `up` (engine behaviour, see docs/pulumi-providers.md on password rotation).
    await cli.refresh();
    const denied = await cli.exec(["refresh", "--stack", "vc", "--yes", "--run-program"]);
    expect(denied.code).not.toBe(0);
    expect(denied.stdout + denied.stderr).toMatch(/cannot log in as "administrator@vsphere.local"/);
    expect(denied.stdout + denied.stderr).not.toContain(wrong);
    await cli.ok(["config", "set", "--stack", "vc", "--secret", "vsphere:password", engines().vcsim.password]);

    await cli.destroy();
    expect(await otherOnDc()).toMatchObject({ roleId: -1, propagate: false });
    // Our entry went with the destroy; the other principal's stays as they left it. Put it back
    // as it was before the test, and vCenter is exactly as before.
    expect((await direct("/DC0")).some((p) => p.principal === PRINCIPAL)).toBe(false);
    await govc("permissions.set", "-principal", OTHER, "-role", "ReadOnly", "/DC0");
    const after = await vcenterSnapshot(govc);
    expect(after).toEqual(before);
    expect(after.tags.some((t) => t.includes(`"name":"${ADOPT_TAG}"`))).toBe(true);
  });
});
