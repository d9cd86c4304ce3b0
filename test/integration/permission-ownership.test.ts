// The Permission resource writes its own principal's entry and nothing else (vCenter's
// SetEntityPermissions upserts per principal; our vcsim implements that, see
// test/env/go/govmomi/vcsim/authz.go). Against vcsim, through the resource's operations: another
// principal's entry on the same entity is never part of a request, and a change made to it by
// someone else between our read and our write survives create, update and delete. The positive
// control replays the old read-merge-write pattern under the same interleaving and shows it
// reverting that change, so the interleaving is real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSettings, VcenterConnection, type ConfigSource } from "../../components/vcenter/connection.js";
import type { OpContext } from "../../components/vcenter/handlers.js";
import { checkPermission, permissionOps } from "../../components/vcenter/permission-ops.js";
import { retrieveEntityPermissions, setEntityPermissions } from "../../vsphere/authorization.js";
import { findByInventoryPath } from "../../vsphere/inventory-path.js";
import type { VsphereSession } from "../../vsphere/session.js";
import { engines, vcsimProviderConfig, vcsimSession } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { createVcsimUser } from "../env/vcsim.js";

const PREFIX = `k8s-own-${process.pid}`;
const MINE = `VSPHERE.LOCAL\\${PREFIX}-ccm`;
const OTHER = `VSPHERE.LOCAL\\${PREFIX}-other`;
const WRITES = new Set(["SetEntityPermissions", "ResetEntityPermissions", "RemoveEntityPermission"]);

interface GovcPermission {
  principal: string;
  group: boolean;
  roleId: number;
  propagate: boolean;
}
interface Write {
  method: string;
  principals: string[];
}

/**
 * A session whose permission writes first run `meanwhile` (someone else's change, made after our
 * read and before our write reaches vCenter) and are recorded with the principals they carry.
 */
function interleaved(s: VsphereSession, writes: Write[], meanwhile: () => Promise<void>): VsphereSession {
  return new Proxy(s, {
    get(target, prop) {
      if (prop !== "call") {
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return async (...args: Parameters<VsphereSession["call"]>) => {
        const [method, , body] = args;
        if (WRITES.has(method)) {
          const sent = (body?.permission ?? []) as { principal: string }[];
          writes.push({
            method,
            principals: "user" in (body ?? {}) ? [String(body?.user)] : sent.map((p) => p.principal),
          });
          await meanwhile();
        }
        return target.call(...args);
      };
    },
  });
}

describe("a Permission owns one principal's entry", () => {
  let govc: Govc;
  let config: ConfigSource;
  const folderPath = `/DC0/vm/${PREFIX}`;

  const entries = async () =>
    (await govc.json<{ Permissions: GovcPermission[] | null }>("permissions.ls", "-json", "-a=false", folderPath))
      .Permissions ?? [];
  const entryOf = async (principal: string) => (await entries()).find((p) => p.principal === principal);
  /** Someone else sets OTHER's entry (govc: its own client and session). */
  const otherSets = async (role: string, propagate: boolean): Promise<void> => {
    await govc("permissions.set", "-principal", OTHER, "-role", role, `-propagate=${propagate}`, folderPath);
  };

  /** An operation context on a fresh connection whose permission writes interleave `meanwhile`. */
  async function withContext<T>(
    writes: Write[],
    meanwhile: () => Promise<void>,
    use: (ctx: OpContext) => Promise<T>,
  ): Promise<T> {
    const real = new VcenterConnection(resolveSettings(config, {}));
    const vc = { soap: async (signal?: AbortSignal) => interleaved(await real.soap(signal), writes, meanwhile) };
    try {
      return await use({ vc: vc as unknown as VcenterConnection, signal: AbortSignal.timeout(60_000) });
    } finally {
      await real.close();
    }
  }

  beforeAll(async () => {
    const { vcsim, env } = engines();
    govc = govcFor(env);
    config = vcsimProviderConfig(vcsim);
    await govc("folder.create", folderPath);
    for (const p of [MINE, OTHER]) await createVcsimUser(govc, p.split("\\")[1]);
  });

  afterAll(async () => {
    for (const p of (await entries().catch(() => [])) ?? [])
      await govc("permissions.remove", "-principal", p.principal, folderPath).catch(() => {});
    await govc?.("object.destroy", folderPath).catch(() => {});
  });

  it("never sends another principal's entry, and a concurrent change to it survives create, update and delete", async () => {
    await otherSets("ReadOnly", false);
    const writes: Write[] = [];

    // create, while someone else gives OTHER the Admin role.
    const { inputs } = checkPermission({ entity: folderPath, principal: MINE, roleName: "ReadOnly" });
    const made = await withContext(
      writes,
      () => otherSets("Admin", true),
      (ctx) => permissionOps.create(ctx, inputs),
    );
    expect(await entryOf(OTHER)).toMatchObject({ roleId: -1, propagate: true });
    expect(await entryOf(MINE)).toMatchObject({ roleId: -2, propagate: true });

    // read (refresh) writes nothing.
    const seen = await withContext(
      writes,
      () => Promise.resolve(),
      (ctx) => permissionOps.read(ctx, made.id, made.outs),
    );
    expect(seen).toMatchObject({ roleId: -2, roleName: "ReadOnly" });
    expect(writes).toEqual([{ method: "SetEntityPermissions", principals: [MINE] }]);

    // update, while OTHER goes back to ReadOnly.
    const news = checkPermission({ entity: folderPath, principal: MINE, roleName: "Admin", propagate: false }).inputs;
    const updated = await withContext(
      writes,
      () => otherSets("ReadOnly", false),
      (ctx) => permissionOps.update(ctx, made.id, made.outs, news),
    );
    expect(await entryOf(OTHER)).toMatchObject({ roleId: -2, propagate: false });
    expect(await entryOf(MINE)).toMatchObject({ roleId: -1, propagate: false });

    // delete, while OTHER changes once more.
    await withContext(
      writes,
      () => otherSets("Admin", false),
      (ctx) => permissionOps.delete(ctx, made.id, updated),
    );
    expect(await entries()).toMatchObject([{ principal: OTHER, group: false, roleId: -1, propagate: false }]);
    // Exact: one write per operation that changes our entry, each naming only our principal.
    expect(writes).toEqual([
      { method: "SetEntityPermissions", principals: [MINE] },
      { method: "SetEntityPermissions", principals: [MINE] },
      { method: "RemoveEntityPermission", principals: [MINE] },
    ]);
    // A second delete finds nothing to remove (vCenter answers NotFound, which delete absorbs).
    await withContext(
      [],
      () => Promise.resolve(),
      (ctx) => permissionOps.delete(ctx, made.id, updated),
    );
    expect(await entryOf(OTHER)).toMatchObject({ roleId: -1 });
  });

  it("positive control: reading the list and sending it back would revert the concurrent change", async () => {
    await otherSets("ReadOnly", false);
    const s = await vcsimSession();
    try {
      const entity = await findByInventoryPath(s, folderPath);
      const stale = await retrieveEntityPermissions(s, entity, false);
      await otherSets("Admin", true); // someone else, between the read and the write
      await setEntityPermissions(s, entity, [
        ...stale.map(({ principal, group, roleId, propagate }) => ({ principal, group, roleId, propagate })),
        { principal: MINE, group: false, roleId: -2, propagate: true },
      ]);
      expect(await entryOf(OTHER)).toMatchObject({ roleId: -2, propagate: false }); // reverted
      expect(await entryOf(MINE)).toMatchObject({ roleId: -2 });
    } finally {
      await s.close();
    }
    await govc("permissions.remove", "-principal", MINE, folderPath);
  });

  it("adopting an entry restores it on delete without touching another principal's", async () => {
    await otherSets("ReadOnly", true);
    await govc("permissions.set", "-principal", MINE, "-role", "ReadOnly", "-propagate=false", folderPath);
    const writes: Write[] = [];
    const { inputs } = checkPermission({ entity: folderPath, principal: MINE, roleName: "Admin", adopt: true });
    const made = await withContext(
      writes,
      () => Promise.resolve(),
      (ctx) => permissionOps.create(ctx, inputs),
    );
    expect(made.outs.adoptedFrom).toEqual({ principal: MINE, roleId: -2, propagate: false });
    await withContext(
      writes,
      () => otherSets("Admin", false),
      (ctx) => permissionOps.delete(ctx, made.id, made.outs),
    );
    expect(await entryOf(MINE)).toMatchObject({ roleId: -2, propagate: false });
    expect(await entryOf(OTHER)).toMatchObject({ roleId: -1, propagate: false });
    expect(writes.map((w) => w.principals)).toEqual([[MINE], [MINE]]);
  });
});
