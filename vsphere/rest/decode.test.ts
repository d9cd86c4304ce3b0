import { describe, expect, it } from "vitest";
import { TransportError } from "../errors.js";
import { decodeAttachedTags, decodeCategory, decodeIds, decodeObjectIds, decodeTag } from "./decode.js";

const L = "test";
const DC = { type: "Datacenter", value: "datacenter-1" };
const CL = { type: "ClusterComputeResource", value: "domain-c7" };

describe("tagging decoders", () => {
  it("reads null lists as empty (vcsim) and rejects non-lists", () => {
    expect(decodeIds(L, null)).toEqual([]);
    expect(decodeIds(L, ["a", "b"])).toEqual(["a", "b"]);
    expect(() => decodeIds(L, "a")).toThrow(TransportError);
    expect(() => decodeIds(L, [1])).toThrow(/non-string/);
  });

  it("reads categories, with the empty fields vcsim leaves out", () => {
    expect(decodeCategory(L, { id: "c", name: "n", cardinality: "SINGLE", associable_types: ["Datacenter"] })).toEqual({
      id: "c",
      name: "n",
      description: "",
      cardinality: "SINGLE",
      associableTypes: ["Datacenter"],
      usedBy: [],
    });
    expect(() => decodeCategory(L, { id: "c", name: "n", cardinality: "SOME" })).toThrow(/cardinality/);
    expect(() => decodeCategory(L, { name: "n", cardinality: "SINGLE" })).toThrow(/id is not a string/);
  });

  it("reads tags", () => {
    expect(decodeTag(L, { id: "t", name: "n", category_id: "c", description: "d", used_by: [] })).toEqual({
      id: "t",
      name: "n",
      categoryId: "c",
      description: "d",
      usedBy: [],
    });
  });

  it("turns DynamicIDs into MoRefs", () => {
    expect(decodeObjectIds(L, [{ type: "Datacenter", id: "datacenter-1" }])).toEqual([DC]);
    expect(decodeObjectIds(L, null)).toEqual([]);
  });

  it("answers list-attached-tags-on-objects for every asked object, in order", () => {
    const wire = [
      { object_id: { type: "ClusterComputeResource", id: "domain-c7" }, tag_ids: ["t2"] },
      { object_id: { type: "Datacenter", id: "datacenter-1" }, tag_ids: ["t1", "t2"] },
    ];
    const host = { type: "HostSystem", value: "host-1" };
    expect(decodeAttachedTags(L, wire, [DC, host, CL])).toEqual([
      { object: DC, tagIds: ["t1", "t2"] },
      { object: host, tagIds: [] },
      { object: CL, tagIds: ["t2"] },
    ]);
    expect(
      decodeAttachedTags(L, [{ object_id: { type: "Datacenter", id: "datacenter-1" }, tag_ids: null }], [DC]),
    ).toEqual([{ object: DC, tagIds: [] }]);
  });
});
