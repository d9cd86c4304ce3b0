// vAPI REST tagging against vcsim, every write cross-checked with govc (an independent client).
//
// vcsim differs from vCenter in ways these tests avoid leaning on: it accepts a tag whose category
// does not exist, attaches tags to objects that do not exist, and checks neither cardinality nor
// associable types on attach. Its 404s are plain text, so RestError carries no vAPI type for them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { AmbiguousError, NotFoundError, RestError } from "../../vsphere/errors.js";
import { HttpTransport, type HttpRequest, type HttpResponse } from "../../vsphere/http.js";
import { RestClient } from "../../vsphere/rest/client.js";
import { SESSION_HEADER } from "../../vsphere/rest/routes.js";
import {
  attachTag,
  detachTag,
  listAttachedObjects,
  listAttachedTagsOnObjects,
} from "../../vsphere/rest/tag-association.js";
import {
  createCategory,
  createTag,
  deleteCategory,
  deleteTag,
  findCategoryByName,
  findTagByName,
  getCategory,
  getTag,
  listCategoryIds,
  listTagIds,
  listTagIdsForCategory,
  updateCategory,
  updateTag,
} from "../../vsphere/rest/tagging.js";
import { moKey, type MoRef } from "../../vsphere/types.js";

const PREFIX = `k8s-tagging-${process.pid}`;

interface GovcCategory {
  id: string;
  name: string;
  description?: string;
  cardinality: string;
  associable_types?: string[] | null;
}
interface GovcTag {
  id: string;
  name: string;
  description?: string;
  /** govc prints the category's name here, not its id. */
  category_id: string;
}

/** Remembers the session id the client sends, so a test can end that session behind its back. */
class SessionSpy extends HttpTransport {
  sessionId = "";
  override send(req: HttpRequest): Promise<HttpResponse> {
    const id = req.headers?.[SESSION_HEADER];
    if (id) this.sessionId = id;
    return super.send(req);
  }
}

const parseRef = (line: string): MoRef => {
  const [type, value] = line.trim().split(":");
  return { type, value };
};

const calls = (client: RestClient, label: string) => client.stats.snapshot()[`rest:${label}`]?.calls ?? 0;

describe("vAPI REST tagging", () => {
  let client: RestClient;
  let govc: Govc;
  let datacenter: MoRef;
  let datacenterPath: string;
  let cluster: MoRef;
  let host: MoRef;
  let categories: string[] = [];

  const connect = (
    credentials = () => ({ username: engines().vcsim.username, password: engines().vcsim.password }),
  ) => {
    const { vcsim } = engines();
    return RestClient.create({ host: vcsim.host, port: vcsim.port, tls: { caFile: vcsim.caFile }, credentials });
  };
  const govcCategory = async (name: string) =>
    (await govc.json<GovcCategory[] | null>("tags.category.ls", "-json"))?.find((c) => c.name === name);
  const govcTags = async (categoryName: string) =>
    (await govc.json<GovcTag[] | null>("tags.ls", "-json", "-c", categoryName)) ?? [];
  const govcAttachedObjects = async (tagId: string) =>
    (await govc("tags.attached.ls", tagId)).split("\n").filter(Boolean).sort();
  const govcTagsOn = async (path: string) =>
    (await govc.json<string[] | null>("tags.attached.ls", "-json", "-r", path)) ?? [];
  /** A category that afterEach deletes (with its tags and their attachments). */
  const newCategory = async (suffix: string, types = ["Datacenter", "ClusterComputeResource", "HostSystem"]) => {
    const name = `${PREFIX}-${suffix}`;
    const id = await createCategory(client, { name, cardinality: "MULTIPLE", associableTypes: types });
    categories.push(id);
    return { id, name };
  };

  beforeAll(async () => {
    govc = govcFor(engines().env);
    client = connect();
    const firstOf = async (type: string) => parseRef((await govc("find", "-i", "/", "-type", type)).split("\n")[0]);
    datacenter = await firstOf("d");
    datacenterPath = (await govc("find", "/", "-type", "d")).split("\n")[0].trim();
    cluster = await firstOf("c");
    host = await firstOf("h");
  });

  afterEach(async () => {
    for (const id of categories) {
      await deleteCategory(client, id).catch((err: unknown) => {
        if (!(err instanceof RestError && err.notFound)) throw err;
      });
    }
    categories = [];
  });

  afterAll(() => client?.close());

  it("creates, reads, updates and deletes a category", async () => {
    const name = `${PREFIX}-zone`;
    const id = await createCategory(client, {
      name,
      description: "Kubernetes zone",
      cardinality: "SINGLE",
      associableTypes: ["Datacenter"],
    });
    categories.push(id);
    expect(await getCategory(client, id)).toEqual({
      id,
      name,
      description: "Kubernetes zone",
      cardinality: "SINGLE",
      associableTypes: ["Datacenter"],
      usedBy: [],
    });
    expect(await govcCategory(name)).toMatchObject({
      id,
      description: "Kubernetes zone",
      cardinality: "SINGLE",
      associable_types: ["Datacenter"],
    });
    expect(await listCategoryIds(client)).toContain(id);
    expect((await findCategoryByName(client, name)).id).toBe(id);

    const dup = await createCategory(client, { name, cardinality: "SINGLE" }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(RestError);
    expect(dup).toMatchObject({ status: 400, type: "com.vmware.vapi.std.errors.already_exists", alreadyExists: true });

    await updateCategory(client, id, {
      description: "zones",
      cardinality: "MULTIPLE",
      associableTypes: ["Datacenter", "ClusterComputeResource"],
    });
    expect(await getCategory(client, id)).toMatchObject({
      name,
      description: "zones",
      cardinality: "MULTIPLE",
      associableTypes: ["Datacenter", "ClusterComputeResource"],
    });
    expect(await govcCategory(name)).toMatchObject({
      description: "zones",
      cardinality: "MULTIPLE",
      associable_types: ["Datacenter", "ClusterComputeResource"],
    });
    // Associable types may only grow.
    const shrink = await updateCategory(client, id, { associableTypes: ["HostSystem"] }).catch((e: unknown) => e);
    expect(shrink).toMatchObject({ status: 400, type: "com.vmware.vapi.std.errors.invalid_argument" });

    await deleteCategory(client, id);
    const gone = await getCategory(client, id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(RestError);
    expect(gone).toMatchObject({ status: 404, notFound: true });
    expect(await govcCategory(name)).toBeUndefined();
    await expect(findCategoryByName(client, name)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("creates, reads, updates and deletes the tags of a category", async () => {
    const cat = await newCategory("region");
    const other = await newCategory("other");
    const east = await createTag(client, { categoryId: cat.id, name: "east", description: "east coast" });
    const west = await createTag(client, { categoryId: cat.id, name: "west" });
    const elsewhere = await createTag(client, { categoryId: other.id, name: "east" });

    expect(await getTag(client, east)).toEqual({
      id: east,
      categoryId: cat.id,
      name: "east",
      description: "east coast",
      usedBy: [],
    });
    expect(await listTagIds(client)).toEqual(expect.arrayContaining([east, west, elsewhere]));
    expect((await listTagIdsForCategory(client, cat.id)).sort()).toEqual([east, west].sort());
    expect((await findTagByName(client, cat.id, "east")).id).toBe(east);
    expect((await findTagByName(client, other.id, "east")).id).toBe(elsewhere);
    expect(
      (await govcTags(cat.name)).map((t) => ({ id: t.id, name: t.name, description: t.description ?? "" })),
    ).toEqual(
      expect.arrayContaining([
        { id: east, name: "east", description: "east coast" },
        { id: west, name: "west", description: "" },
      ]),
    );

    const dup = await createTag(client, { categoryId: cat.id, name: "west" }).catch((e: unknown) => e);
    expect(dup).toMatchObject({ status: 400, alreadyExists: true });

    await updateTag(client, west, { name: "west-2", description: "renamed" });
    expect(await getTag(client, west)).toMatchObject({ name: "west-2", description: "renamed", categoryId: cat.id });
    expect((await govcTags(cat.name)).find((t) => t.id === west)).toMatchObject({
      name: "west-2",
      description: "renamed",
    });
    await expect(findTagByName(client, cat.id, "west")).rejects.toBeInstanceOf(NotFoundError);

    await deleteTag(client, east);
    expect(await listTagIdsForCategory(client, cat.id)).toEqual([west]);
    expect((await govcTags(cat.name)).map((t) => t.id)).toEqual([west]);
    const gone = await getTag(client, east).catch((e: unknown) => e);
    expect(gone).toMatchObject({ status: 404, notFound: true });
    expect(gone).not.toBeInstanceOf(AmbiguousError);
  });

  it("attaches a tag to the datacenter and detaches it", async () => {
    const cat = await newCategory("attach");
    const tag = await createTag(client, { categoryId: cat.id, name: "dc-tag" });

    await attachTag(client, tag, datacenter);
    await attachTag(client, tag, datacenter); // twice is no error
    expect(await listAttachedObjects(client, tag)).toEqual([datacenter]);
    expect(await govcAttachedObjects(tag)).toEqual([moKey(datacenter)]);
    expect(await govcTagsOn(datacenterPath)).toContain("dc-tag");

    await detachTag(client, tag, datacenter);
    expect(await listAttachedObjects(client, tag)).toEqual([]);
    expect(await govcAttachedObjects(tag)).toEqual([]);
    expect(await govcTagsOn(datacenterPath)).not.toContain("dc-tag");
    await detachTag(client, tag, datacenter); // detaching what is not attached is no error

    const unknown = await listAttachedObjects(client, `${tag}-missing`).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ notFound: true });
  });

  it("lists the tags of several objects in one call", async () => {
    const cat = await newCategory("batch");
    const a = await createTag(client, { categoryId: cat.id, name: "a" });
    const b = await createTag(client, { categoryId: cat.id, name: "b" });
    await attachTag(client, a, datacenter);
    await attachTag(client, b, datacenter);
    await attachTag(client, b, cluster);

    const label = "POST tagging/tag-association?~action=list-attached-tags-on-objects";
    const before = { batch: calls(client, label), total: client.stats.total("rest") };
    const attached = await listAttachedTagsOnObjects(client, [datacenter, cluster, host, datacenter]);
    expect(calls(client, label) - before.batch).toBe(1);
    expect(client.stats.total("rest") - before.total).toBe(1);

    // One entry per distinct object, in the order asked; other tests' tags do not linger.
    expect(attached.map((e) => ({ object: e.object, tagIds: [...e.tagIds].sort() }))).toEqual([
      { object: datacenter, tagIds: [a, b].sort() },
      { object: cluster, tagIds: [b] },
      { object: host, tagIds: [] },
    ]);
    expect((await govcTagsOn(datacenterPath)).sort()).toEqual(expect.arrayContaining(["a", "b"]));

    const total = client.stats.total("rest");
    expect(await listAttachedTagsOnObjects(client, [])).toEqual([]);
    expect(client.stats.total("rest")).toBe(total);
  });

  it("reads what govc wrote", async () => {
    const name = `${PREFIX}-govc`;
    await govc("tags.category.create", "-t", "Datacenter", "-m=false", "-d", "made by govc", name);
    const cat = await findCategoryByName(client, name);
    categories.push(cat.id);
    expect(cat).toMatchObject({ description: "made by govc", cardinality: "SINGLE", associableTypes: ["Datacenter"] });
    await govc("tags.create", "-c", name, "govc-tag");
    await govc("tags.attach", "-c", name, "govc-tag", datacenterPath);
    const tag = await findTagByName(client, cat.id, "govc-tag");
    expect(await listAttachedObjects(client, tag.id)).toEqual([datacenter]);
    const [onDc] = await listAttachedTagsOnObjects(client, [datacenter]);
    expect(onDc.tagIds).toContain(tag.id);
  });

  it("logs in again, with fresh credentials, after its session is deleted server-side", async () => {
    const { vcsim } = engines();
    let logins = 0;
    const spy = new SessionSpy({ host: vcsim.host, port: vcsim.port, tls: { caFile: vcsim.caFile } });
    const rc = new RestClient({
      transport: spy,
      ownsTransport: true,
      credentials: () => {
        logins++;
        return { username: vcsim.username, password: vcsim.password };
      },
    });
    try {
      await listCategoryIds(rc);
      expect({ logins, generation: rc.generation }).toEqual({ logins: 1, generation: 1 });
      const stale = spy.sessionId;
      expect(stale).not.toBe("");

      // Log the session out behind the client's back, with its own token.
      const logout = await spy.send({
        api: "rest",
        label: "test: DELETE session",
        method: "DELETE",
        path: "/rest/com/vmware/cis/session",
        headers: { [SESSION_HEADER]: stale },
      });
      expect(logout.status).toBe(200);

      expect(await listCategoryIds(rc)).toEqual(expect.any(Array));
      expect({ logins, generation: rc.generation }).toEqual({ logins: 2, generation: 2 });
      expect(rc.stats.snapshot()["rest:GET tagging/category"]).toMatchObject({ calls: 3, errors: 1 });
      expect(calls(rc, "POST session")).toBe(2);
      expect(spy.sessionId).not.toBe(stale);

      // close() deletes the session: its token no longer works.
      const last = spy.sessionId;
      await rc.close();
      expect(calls(rc, "DELETE session")).toBe(1);
      const probe = connect();
      try {
        const after = await probe.transport.send({
          api: "rest",
          label: "test: GET tagging/category",
          method: "GET",
          path: "/rest/com/vmware/cis/tagging/category",
          headers: { [SESSION_HEADER]: last },
        });
        expect(after.status).toBe(401);
      } finally {
        await probe.close();
      }
      await expect(listCategoryIds(rc)).rejects.toThrow(/closed/);
    } finally {
      await rc.close();
    }
  });

  it("rejects a wrong password with a RestError that names neither password nor session", async () => {
    const password = `wrong-${PREFIX}`;
    const bad = connect(() => ({ username: engines().vcsim.username, password }));
    try {
      const err = await listCategoryIds(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RestError);
      expect(err).toMatchObject({ status: 401 });
      expect(String(err)).not.toContain(password);
      expect(bad.loggedIn).toBe(false);
      // A source that offers nothing else after the rejection costs one login, not two.
      expect(calls(bad, "POST session")).toBe(1);
    } finally {
      await bad.close();
    }
  });

  it("logs in at once with what the credential source offers after a rejection (config pair, then Secret)", async () => {
    const { vcsim } = engines();
    const wrong = { username: vcsim.username, password: `wrong-${PREFIX}` };
    const rejected: string[] = [];
    const rc = connect((attempt?: { rejected: { username: string; password: string } }) => {
      if (!attempt) return wrong;
      rejected.push(attempt.rejected.password);
      return { username: vcsim.username, password: vcsim.password };
    });
    try {
      expect(await listCategoryIds(rc)).toEqual(expect.any(Array));
      expect(rejected).toEqual([wrong.password]);
      expect(rc.stats.snapshot()["rest:POST session"]).toMatchObject({ calls: 2, errors: 1 });
      expect(rc.generation).toBe(1);
    } finally {
      await rc.close();
    }
  });
});
