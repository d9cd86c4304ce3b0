// The vCenter providers' operations against vcsim, through the same handlers the dynamic
// providers call (settings from a stack-config source, one connection per operation), each
// result cross-checked with govc. The engine-level lifecycle (up, refresh, destroy) is in
// test/e2e/vcenter-resources.test.ts; this covers the refusals, the adoption rules and the
// Permission's check of its principal against vCenter's user directory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigSource } from "../../components/vcenter/connection.js";
import { handlers as folder } from "../../components/vcenter/folder-ops.js";
import { providerHandlers, type ProviderHandlers } from "../../components/vcenter/handlers.js";
import { handlers as permission, permissionOps } from "../../components/vcenter/permission-ops.js";
import { handlers as role } from "../../components/vcenter/role-ops.js";
import { handlers as attachment } from "../../components/vcenter/tag-attachment-ops.js";
import { handlers as category } from "../../components/vcenter/tag-category-ops.js";
import { handlers as tag } from "../../components/vcenter/tag-ops.js";
import { engines, vcsimProviderConfig, enginesPki } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { clearFaults, createVcsimUser, injectFault } from "../env/vcsim.js";

const PREFIX = `k8s-prov-${process.pid}`;
const USER = "VSPHERE.LOCAL\\k8s-prov-ccm";
const OTHER = "VSPHERE.LOCAL\\k8s-prov-other";

type Props = Record<string, unknown>;
interface GovcPermission {
  principal: string;
  group: boolean;
  roleId: number;
  propagate: boolean;
}

describe("vCenter providers against vcsim", () => {
  let govc: Govc;
  let config: ConfigSource;
  const folderPath = `/DC0/vm/${PREFIX}`;

  /** check (must pass) then create: what the engine does for a new resource. */
  const make = async (h: ProviderHandlers, news: Props) => {
    const { inputs, failures } = await h.check(config, {}, news);
    expect(failures).toEqual([]);
    const { id, outs } = await h.create(config, inputs as Props);
    return { id, outs: outs as Props, inputs: inputs as Props };
  };
  const direct = async (path: string) =>
    (await govc.json<{ Permissions: GovcPermission[] | null }>("permissions.ls", "-json", "-a=false", path))
      .Permissions ?? [];
  const entryOf = async (path: string, principal: string) =>
    (await direct(path)).find((p) => p.principal === principal);
  const roleId = async (name: string) =>
    (await govc.json<{ roleId: number; name: string }[]>("role.ls", "-json")).find((r) => r.name === name)?.roleId;

  beforeAll(async () => {
    const { vcsim, env } = engines();
    govc = govcFor(env);
    config = vcsimProviderConfig(vcsim);
    await govc("folder.create", folderPath);
    // The principals the permissions name exist in the directory, as vCenter requires.
    for (const p of [USER, OTHER]) await createVcsimUser(govc, p.split("\\")[1]);
  });

  afterAll(async () => {
    for (const p of (await direct(folderPath).catch(() => [])) ?? [])
      await govc("permissions.remove", "-principal", p.principal, folderPath).catch(() => {});
    await govc?.("object.destroy", folderPath).catch(() => {});
    for (const name of [`${PREFIX}-r`, `${PREFIX}-r2`]) await govc?.("role.remove", name).catch(() => {});
    for (const name of [`${PREFIX}-cat`, `${PREFIX}-theirs`])
      await govc?.("tags.category.rm", "-f", name).catch(() => {});
  });

  it("refuses a wrong password with a message naming the user, never the password", async () => {
    const wrong: ConfigSource = { get: (k) => (k === "vsphere:password" ? "Wr0ng-pa55word" : config.get(k)) };
    const err = await role.read(wrong, "0", { name: "x", privileges: [] }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cannot log in as "administrator@vsphere.local"/);
    expect(`${(err as Error).message} ${(err as Error).stack}`).not.toContain("Wr0ng-pa55word");
  });

  it("names the stack settings, not the client's options, when vCenter's certificate cannot be verified", async () => {
    const wrongCa = (await enginesPki()).wrongCa.cert;
    const untrusted: ConfigSource = { get: (k) => (k === "vsphere:caFile" ? wrongCa : config.get(k)) };
    const err = await role.read(untrusted, "0", { name: "x", privileges: [] }).catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain(engines().vcsim.thumbprintSha1);
    expect((err as Error).message).toContain(
      "Trust its CA (vsphere:caFile), pin its thumbprint (vsphere:thumbprint), or, for a lab only, turn " +
        "verification off (pulumi config set vsphere:insecure true).",
    );
    // Positive control: the same read with the right CA gets past TLS (to vCenter's own answer).
    const ok = await role.read(config, "0", { name: "x", privileges: [] }).then(
      () => "",
      (e: unknown) => (e as Error).message,
    );
    expect(ok).not.toMatch(/TLS/);
  });

  it("Role: create, drift seen by read, update repairs it, delete refused while in use", async () => {
    const name = `${PREFIX}-r`;
    const { id, outs, inputs } = await make(role, { name, privileges: ["System.Read", "Datastore.Browse"] });
    expect(outs).toEqual({ name, privileges: ["Datastore.Browse"], roleId: await roleId(name) });
    expect((await make(role, { name, privileges: [] }).catch((e: Error) => e)) as Error).toHaveProperty(
      "message",
      `role "${name}" already exists in vCenter; choose another name`,
    );

    await govc("role.update", name, "VirtualMachine.Config.AddNewDisk");
    const drifted = await role.read(config, id, outs);
    expect(drifted.props).toMatchObject({ privileges: ["VirtualMachine.Config.AddNewDisk"] });
    expect(await role.diff(config, id, drifted.props as Props, inputs)).toEqual({ changes: true, replaces: [] });
    await role.update(config, id, drifted.props as Props, inputs);
    expect(await govc("role.ls", name)).toContain("Datastore.Browse");

    await govc("permissions.set", "-principal", OTHER, "-role", name, folderPath);
    await expect(role.delete(config, id, outs)).rejects.toThrow(
      // vcsim leaves the entity out of RetrieveAllPermissions' entries; vCenter names it (" on /DC0/vm/...").
      `role "${name}" is still used by 1 permission(s): ${OTHER}`,
    );
    await govc("permissions.remove", "-principal", OTHER, folderPath);
    await role.delete(config, id, outs);
    expect(await roleId(name)).toBeUndefined();
    expect(await role.read(config, id, outs)).toEqual({ id: "", props: {} });
  });

  it("Permission: leaves other principals' entries alone, refuses or adopts an existing one", async () => {
    const name = `${PREFIX}-r2`;
    const r = await make(role, { name, privileges: ["Datastore.Browse"] });
    await govc("permissions.set", "-principal", OTHER, "-role", "ReadOnly", "-propagate=false", folderPath);

    const mine = await make(permission, { entity: folderPath, principal: USER, roleName: name });
    expect(mine.id).toMatch(/^Folder:group-\S+\/user:VSPHERE.LOCAL\\k8s-prov-ccm$/);
    // Only our entry was written; the other principal's is as it was.
    expect(await entryOf(folderPath, OTHER)).toMatchObject({ roleId: -2, propagate: false });
    expect(await entryOf(folderPath, USER)).toMatchObject({ roleId: r.outs.roleId, propagate: true });

    await expect(make(permission, { entity: folderPath, principal: OTHER, roleId: r.outs.roleId })).rejects.toThrow(
      `user "${OTHER}" already has a permission on "${folderPath}" (role ReadOnly (id -2)); set adopt: true`,
    );
    const adopted = await make(permission, {
      entity: folderPath,
      principal: OTHER.toLowerCase(),
      roleId: r.outs.roleId,
      adopt: true,
    });
    expect(adopted.outs.adoptedFrom).toEqual({ principal: OTHER, roleId: -2, propagate: false });
    expect(await entryOf(folderPath, OTHER)).toMatchObject({ roleId: r.outs.roleId, propagate: true });

    // Out-of-band role change on our entry: read reports it, update puts ours back.
    await govc("permissions.set", "-principal", USER, "-role", "ReadOnly", folderPath);
    const seen = await permission.read(config, mine.id, mine.outs);
    expect(seen.props).toMatchObject({ roleName: "ReadOnly", roleId: -2 });
    expect((await permission.diff(config, mine.id, seen.props as Props, mine.inputs)).changes).toBe(true);
    await permission.update(config, mine.id, seen.props as Props, mine.inputs);
    expect(await entryOf(folderPath, USER)).toMatchObject({ roleId: r.outs.roleId });

    // Delete: the adopted entry gets its old role back, ours goes, nothing else is touched.
    await permission.delete(config, adopted.id, adopted.outs);
    expect(await entryOf(folderPath, OTHER)).toMatchObject({ roleId: -2, propagate: false });
    await permission.delete(config, mine.id, mine.outs);
    expect((await direct(folderPath)).map((p) => p.principal)).toEqual([OTHER]);
    expect(await permission.read(config, mine.id, mine.outs)).toEqual({ id: "", props: {} });
    await govc("permissions.remove", "-principal", OTHER, folderPath);
    await role.delete(config, r.id, r.outs);
  });

  it("Permission: check asks vCenter's directory that the principal exists", async () => {
    const { vcsim } = engines();
    const lines: string[] = [];
    const h = providerHandlers(permissionOps, (l) => lines.push(l));
    const news = (principal: string, more: Props = {}) => ({
      entity: folderPath,
      principal,
      roleName: "ReadOnly",
      ...more,
    });
    const failuresOf = async (n: Props, olds: Props = {}) => (await h.check(config, olds, n)).failures;

    // Not in the directory: check fails, naming the principal, the property and the fix.
    const ghost = `VSPHERE.LOCAL\\${PREFIX}-ghost`;
    expect(await failuresOf(news(ghost))).toEqual([
      {
        property: "principal",
        reason:
          `user ${JSON.stringify(ghost)} does not exist in vCenter (no user "${PREFIX}-ghost" in domain "VSPHERE.LOCAL"): ` +
          "create it in SSO first (vSphere Client: Administration > Single Sign On > Users and Groups), or check the " +
          "name and the domain",
      },
    ]);
    // Positive control: a user the directory holds passes, in either spelling and any case
    // (vcsim's exact match is case-sensitive: the upper-case one needs the filtered search).
    await createVcsimUser(govc, `${PREFIX}-real`);
    expect(await failuresOf(news(`VSPHERE.LOCAL\\${PREFIX}-real`))).toEqual([]);
    expect(await failuresOf(news(`${PREFIX}-REAL@vsphere.local`))).toEqual([]);
    // Groups: vcsim's directory holds the group "root"; a user's name checked as a group points at the flag.
    expect(await failuresOf(news("VSPHERE.LOCAL\\root", { group: true }))).toEqual([]);
    expect((await failuresOf(news(`VSPHERE.LOCAL\\${PREFIX}-real`, { group: true })))[0].reason).toMatch(
      /^group .* does not exist in vCenter .*; a user of that name exists: set group: false$/,
    );
    // The recorded principal is not asked again: previews of existing permissions need no vCenter.
    expect(await failuresOf(news(ghost), { principal: ghost, group: false })).toEqual([]);
    expect(lines).toEqual([]);

    // vCenter refusing the search itself (the admin lacks Authorization.ModifyPermissions) does
    // not block: the check passes with one warning, and `create` meets any real problem.
    await injectFault(vcsim, {
      method: "RetrieveUserGroups",
      fault: "NoPermission",
      privilege: "Authorization.ModifyPermissions",
    });
    try {
      expect(await failuresOf(news(`VSPHERE.LOCAL\\${PREFIX}-unasked`))).toEqual([]);
    } finally {
      await clearFaults(vcsim);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warning: could not check in vCenter that user ".*-unasked" exists \(vCenter refused the user search: the account in vsphere:user lacks Authorization.ModifyPermissions \(RetrieveUserGroups: vCenter fault NoPermission.*\)\); continuing without that check\n$/,
    );
  });

  it("Folder: parent must exist, renames in place, refuses to delete a non-empty folder", async () => {
    const dc = "DC0";
    await expect(make(folder, { datacenter: dc, path: `${PREFIX}/missing/leaf` })).rejects.toThrow(
      `parent folder "${folderPath}/missing" does not exist; create it first`,
    );
    const parent = await make(folder, { datacenter: dc, path: `${PREFIX}/p` });
    const child = await make(folder, { datacenter: dc, path: `${PREFIX}/p/c` });
    expect(child.outs).toMatchObject({ inventoryPath: `${folderPath}/p/c`, moid: child.id });
    expect(await govc("ls", "-i", `${folderPath}/p`)).toContain(`Folder:${child.id}`);

    const renamed = { datacenter: dc, path: `${PREFIX}/p/c2` };
    expect(await folder.diff(config, child.id, child.outs, renamed)).toEqual({ changes: true, replaces: [] });
    const outs = (await folder.update(config, child.id, child.outs, renamed)).outs as Props;
    expect(outs.inventoryPath).toBe(`${folderPath}/p/c2`);
    await govc("object.rename", `${folderPath}/p/c2`, "c3");
    expect((await folder.read(config, child.id, outs)).props).toMatchObject({ path: `${PREFIX}/p/c3` });

    await expect(folder.delete(config, parent.id, parent.outs)).rejects.toThrow(
      `folder "${folderPath}/p" is not empty (1 child); move or delete what is in it`,
    );
    await folder.delete(config, child.id, outs);
    await folder.delete(config, parent.id, parent.outs);
    await expect(govc("folder.info", `${folderPath}/p`)).rejects.toThrow();
    expect(await folder.read(config, parent.id, parent.outs)).toEqual({ id: "", props: {} });
  });

  it("TagCategory and Tag: refuse an existing name, adopt it on request and never delete it", async () => {
    const theirs = `${PREFIX}-theirs`;
    const theirId = (await govc("tags.category.create", "-t", "Datacenter", "-m", theirs)).trim();
    const theirTag = (await govc("tags.create", "-c", theirs, "t1")).trim();

    await expect(make(category, { name: theirs })).rejects.toThrow(
      `tag category "${theirs}" already exists (id ${theirId}); set adopt: true`,
    );
    const adopted = await make(category, { name: theirs, adopt: true, cardinality: "SINGLE" });
    expect(adopted.id).toBe(theirId);
    expect(adopted.outs).toMatchObject({ adopted: true, cardinality: "MULTIPLE", associableTypes: ["Datacenter"] });
    // The declared cardinality differs from theirs; an adopted category is not ours to change.
    expect((await category.diff(config, theirId, adopted.outs, adopted.inputs)).changes).toBe(false);

    await expect(make(tag, { name: "t1", categoryName: theirs })).rejects.toThrow(
      `tag "t1" already exists in category "${theirs}" (id ${theirTag}); set adopt: true`,
    );
    const t1 = await make(tag, { name: "t1", categoryId: theirId, adopt: true });
    expect(t1).toMatchObject({ id: theirTag, outs: { adopted: true, categoryName: theirs } });
    await tag.delete(config, t1.id, t1.outs);
    await category.delete(config, adopted.id, adopted.outs);
    expect(await govc("tags.ls", "-c", theirs)).toContain("t1");

    const owned = await make(category, { name: `${PREFIX}-cat`, associableTypes: ["Datacenter"] });
    expect(owned.outs).toMatchObject({ adopted: false, cardinality: "SINGLE" });
    const zone = await make(tag, { name: "zone-a", categoryId: owned.id, description: "a" });
    expect(zone.outs).toMatchObject({ adopted: false, categoryName: `${PREFIX}-cat` });
    await govc("tags.create", "-c", `${PREFIX}-cat`, "not-ours");
    await expect(category.delete(config, owned.id, owned.outs)).rejects.toThrow(
      `tag category "${PREFIX}-cat" still holds 2 tag(s)`,
    );
    await govc("tags.rm", "-c", `${PREFIX}-cat`, "not-ours");
    await govc("tags.rm", "-c", `${PREFIX}-cat`, "zone-a"); // out of band
    expect(await tag.read(config, zone.id, zone.outs)).toEqual({ id: "", props: {} });
    await tag.delete(config, zone.id, zone.outs); // already gone: no error
    await category.delete(config, owned.id, owned.outs);
    expect(await govc("tags.category.ls")).not.toContain(`${PREFIX}-cat`);
  });

  it("TagAttachment: refuses or adopts an existing attachment; delete leaves an adopted one", async () => {
    const cat = (await govc("tags.category.create", "-m", `${PREFIX}-cat`)).trim();
    const tagId = (await govc("tags.create", "-c", `${PREFIX}-cat`, "on-dc")).trim();
    const attached = async () => (await govc.json<string[] | null>("tags.attached.ls", "-json", "-r", "/DC0")) ?? [];

    const a = await make(attachment, { tagId, object: "/DC0" });
    expect(a.outs).toMatchObject({ objectType: "Datacenter", adopted: false });
    expect(await attached()).toContain("on-dc");
    await expect(make(attachment, { tagId, object: "/DC0" })).rejects.toThrow(
      `tag ${tagId} is already attached to "/DC0"; set adopt: true`,
    );
    const b = await make(attachment, { tagId, object: "/DC0", adopt: true });
    await attachment.delete(config, b.id, b.outs);
    expect(await attached()).toContain("on-dc");
    await attachment.delete(config, a.id, a.outs);
    expect(await attached()).not.toContain("on-dc");
    expect(await attachment.read(config, a.id, a.outs)).toEqual({ id: "", props: {} });
    await category.delete(config, cat, { adopted: false, name: `${PREFIX}-cat` }).catch(() => {});
    await govc("tags.category.rm", "-f", `${PREFIX}-cat`).catch(() => {});
  });
});
