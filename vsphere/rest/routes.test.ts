import { describe, expect, it } from "vitest";
import { RestError, TransportError } from "../errors.js";
import type { HttpResponse } from "../http.js";
import { responseError } from "./client.js";
import { REST_FLAVOUR, type TaggingOperation } from "./routes.js";

const CAT = "urn:vmomi:InventoryServiceCategory:6f1c:GLOBAL";
const TAG = "urn:vmomi:InventoryServiceTag:9a2e:GLOBAL";
const DC = { type: "Datacenter", value: "datacenter-1" };

const res = (status: number, body: string): HttpResponse => ({ status, headers: {}, body });

describe("REST_FLAVOUR routes", () => {
  it("wraps create specs and fills the keys vCenter insists on", () => {
    expect(REST_FLAVOUR.route({ op: "createCategory", spec: { name: "k8s-zone", cardinality: "SINGLE" } })).toEqual({
      method: "POST",
      path: "/rest/com/vmware/cis/tagging/category",
      label: "POST tagging/category",
      read: false,
      subject: "k8s-zone",
      body: { create_spec: { name: "k8s-zone", description: "", cardinality: "SINGLE", associable_types: [] } },
    });
    expect(REST_FLAVOUR.route({ op: "createTag", spec: { categoryId: CAT, name: "eu" } }).body).toEqual({
      create_spec: { name: "eu", description: "", category_id: CAT },
    });
  });

  it("sends only the fields an update sets", () => {
    const r = REST_FLAVOUR.route({ op: "updateCategory", id: CAT, update: { description: "zones" } });
    expect(r).toMatchObject({ method: "PATCH", path: `/rest/com/vmware/cis/tagging/category/id:${CAT}`, read: false });
    expect(r.body).toEqual({ update_spec: { description: "zones" } });
    expect(REST_FLAVOUR.route({ op: "updateTag", id: TAG, update: { name: "n" } }).body).toEqual({
      update_spec: { name: "n" },
    });
  });

  it("maps associations to ~action calls with DynamicIDs", () => {
    expect(REST_FLAVOUR.route({ op: "attachTag", tagId: TAG, object: DC })).toMatchObject({
      method: "POST",
      path: `/rest/com/vmware/cis/tagging/tag-association/id:${TAG}?~action=attach`,
      body: { object_id: { type: "Datacenter", id: "datacenter-1" } },
      read: false,
    });
    expect(
      REST_FLAVOUR.route({ op: "listAttachedTagsOnObjects", objects: [DC, { type: "Folder", value: "group-d1" }] }),
    ).toEqual({
      method: "POST",
      path: "/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects",
      label: "POST tagging/tag-association?~action=list-attached-tags-on-objects",
      read: true,
      body: {
        object_ids: [
          { type: "Datacenter", id: "datacenter-1" },
          { type: "Folder", id: "group-d1" },
        ],
      },
    });
  });

  it("keeps ids out of labels and escapes them in paths", () => {
    const ops: TaggingOperation[] = [
      { op: "getCategory", id: CAT },
      { op: "deleteTag", id: TAG },
      { op: "listTagsForCategory", categoryId: CAT },
      { op: "detachTag", tagId: TAG, object: DC },
      { op: "listAttachedObjects", tagId: TAG },
    ];
    for (const op of ops) expect(REST_FLAVOUR.route(op).label).not.toMatch(/urn|datacenter-1/);
    expect(REST_FLAVOUR.route({ op: "getTag", id: "a/b?c" }).path).toBe(
      "/rest/com/vmware/cis/tagging/tag/id:a%2Fb%3Fc",
    );
  });

  it("marks reads, and only reads, as retryable", () => {
    const reads = new Set(["listCategories", "getCategory", "listTags", "listTagsForCategory", "getTag"]);
    const all: TaggingOperation[] = [
      { op: "listCategories" },
      { op: "getCategory", id: CAT },
      { op: "createCategory", spec: { name: "c", cardinality: "MULTIPLE" } },
      { op: "updateCategory", id: CAT, update: {} },
      { op: "deleteCategory", id: CAT },
      { op: "listTags" },
      { op: "listTagsForCategory", categoryId: CAT },
      { op: "getTag", id: TAG },
      { op: "createTag", spec: { categoryId: CAT, name: "t" } },
      { op: "updateTag", id: TAG, update: {} },
      { op: "deleteTag", id: TAG },
      { op: "attachTag", tagId: TAG, object: DC },
      { op: "detachTag", tagId: TAG, object: DC },
      { op: "listAttachedObjects", tagId: TAG },
      { op: "listAttachedTagsOnObjects", objects: [DC] },
    ];
    for (const op of all) {
      const read = reads.has(op.op) || op.op.startsWith("listAttached");
      expect({ op: op.op, read: REST_FLAVOUR.route(op).read }).toEqual({ op: op.op, read });
    }
  });

  it("unwraps {value} answers and reads tokens", () => {
    expect(REST_FLAVOUR.unwrap({ value: null })).toEqual({ value: null });
    expect(REST_FLAVOUR.unwrap(["bare"])).toBeUndefined();
    expect(REST_FLAVOUR.token({ value: "abc" })).toBe("abc");
    expect(REST_FLAVOUR.token({ value: "" })).toBeUndefined();
    expect(REST_FLAVOUR.token("abc")).toBeUndefined();
  });
});

describe("responseError", () => {
  const route = REST_FLAVOUR.route({ op: "getTag", id: TAG });

  it("carries the vAPI type and vCenter's messages", () => {
    const body = JSON.stringify({
      type: "com.vmware.vapi.std.errors.not_found",
      value: { messages: [{ id: "x", default_message: "Tag not found", args: [] }] },
    });
    const err = responseError(REST_FLAVOUR, route, res(404, body));
    expect(err).toBeInstanceOf(RestError);
    expect(err).toMatchObject({ status: 404, type: "com.vmware.vapi.std.errors.not_found", notFound: true });
    expect(err.message).toBe(
      `GET tagging/tag/{id} (${TAG}): HTTP 404 com.vmware.vapi.std.errors.not_found: Tag not found`,
    );
  });

  it("reads vcsim's errors: typed 400s with empty values, plain-text 404s", () => {
    const dup = responseError(
      REST_FLAVOUR,
      route,
      res(400, '{"type":"com.vmware.vapi.std.errors.already_exists","value":{}}\n'),
    );
    expect(dup).toMatchObject({ status: 400, alreadyExists: true });
    const missing = responseError(REST_FLAVOUR, route, res(404, "404 page not found\n"));
    expect(missing).toBeInstanceOf(RestError);
    expect(missing).toMatchObject({ status: 404, type: undefined, notFound: true });
  });

  it("treats a 5xx that is not a vAPI error as a transport problem", () => {
    const err = responseError(REST_FLAVOUR, route, res(502, "<html><body>Bad Gateway</body></html>"));
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ reason: "http" });
    expect(err.message).not.toContain("<html>");
  });

  it("never repeats a secret the server echoed", () => {
    const err = responseError(REST_FLAVOUR, route, res(400, "bad session s3cr3t-token"), ["s3cr3t-token"]);
    expect(err.message).not.toContain("s3cr3t-token");
  });
});
