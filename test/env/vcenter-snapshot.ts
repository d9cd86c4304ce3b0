// What a stack may touch in vCenter, as govc (an independent client) sees it: roles, permissions,
// folders, tag categories, tags and attachments, in a form comparable with toEqual, so a test can
// prove `pulumi destroy` leaves vCenter exactly as it found it.
import type { Govc } from "./govc.js";

export interface GovcRole {
  roleId: number;
  name: string;
  system: boolean;
  privilege?: string[] | null;
}
export interface GovcPermission {
  entity?: { type: string; value: string };
  principal: string;
  group: boolean;
  roleId: number;
  propagate: boolean;
}
export interface GovcCategory {
  id: string;
  name: string;
  cardinality: string;
  associable_types?: string[] | null;
}
export interface GovcTag {
  id: string;
  name: string;
  category_id: string;
}

const byJson = <T>(list: T[]) => list.map((x) => JSON.stringify(x)).sort();

/** What the stack may touch, as govc (an independent client) sees it; comparable with toEqual. */
export async function vcenterSnapshot(govc: Govc, datacenters: string[] = ["DC0"]) {
  const usage = await govc.json<{ Roles: GovcRole[]; Permissions: GovcPermission[] | null }>("role.usage", "-json");
  // vcsim reports `entity` on some entries and not others (it depends on how they were set), so
  // every rule is listed without it, and the entities the stack writes to are listed by path.
  const rule = ({ entity: _entity, ...p }: GovcPermission) => p;
  const direct = async (path: string) =>
    byJson(
      (
        (await govc.json<{ Permissions: GovcPermission[] | null }>("permissions.ls", "-json", "-a=false", path))
          .Permissions ?? []
      ).map(rule),
    );
  return {
    roles: byJson(
      usage.Roles.map((r) => ({
        id: r.roleId,
        name: r.name,
        // Built-in roles are compared by id and name only (Admin's list runs to hundreds).
        ...(r.system ? {} : { privileges: [...(r.privilege ?? [])].sort() }),
      })),
    ),
    permissions: byJson((usage.Permissions ?? []).map(rule)),
    onRoot: await direct("/"),
    onDatacenters: await Promise.all(datacenters.map((dc) => direct(`/${dc}`))),
    folders: (await govc("find", "/", "-type", "f")).split("\n").filter(Boolean).sort(),
    categories: byJson((await govc.json<GovcCategory[] | null>("tags.category.ls", "-json")) ?? []),
    tags: byJson((await govc.json<GovcTag[] | null>("tags.ls", "-json")) ?? []),
    tagsOnDatacenters: await Promise.all(
      datacenters.map(async (dc) =>
        ((await govc.json<string[] | null>("tags.attached.ls", "-json", "-r", `/${dc}`)) ?? []).sort(),
      ),
    ),
  };
}
