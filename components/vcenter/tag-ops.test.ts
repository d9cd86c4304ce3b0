import { describe, expect, it } from "vitest";
import { UNKNOWN } from "./inputs.js";
import { checkTag, diffTag, type TagInputs, type TagOutputs } from "./tag-ops.js";

const inputs = (over: Partial<TagInputs> = {}): TagInputs => ({
  name: "zone-a",
  description: "",
  categoryId: "urn:cat:1",
  adopt: false,
  ...over,
});
const stored = (over: Partial<TagOutputs> = {}): TagOutputs => ({
  ...inputs(),
  categoryId: "urn:cat:1",
  categoryName: "k8s-zone",
  adopted: false,
  ...over,
});

describe("checkTag", () => {
  it("applies defaults", () => {
    expect(checkTag({ name: "zone-a", categoryName: "k8s-zone" })).toEqual({
      inputs: { name: "zone-a", description: "", categoryName: "k8s-zone", adopt: false },
      failures: [],
    });
  });

  it("requires exactly one category reference", () => {
    expect(checkTag({ name: "a" }).failures).toEqual([
      { property: "categoryId", reason: "set exactly one of categoryId and categoryName" },
    ]);
    expect(checkTag({ name: "a", categoryId: "x", categoryName: "y" }).failures).toHaveLength(1);
    expect(checkTag({ name: "a", categoryId: UNKNOWN }).failures).toEqual([]);
  });
});

describe("diffTag", () => {
  it("sees no change for the same tag, however the category is named", () => {
    expect(diffTag(stored(), inputs()).changes).toBe(false);
    expect(diffTag(stored(), inputs({ categoryId: undefined, categoryName: "k8s-zone" })).changes).toBe(false);
  });

  it("renames and re-describes in place, replaces for another category", () => {
    expect(diffTag(stored(), inputs({ name: "zone-b", description: "b" }))).toEqual({ changes: true, replaces: [] });
    expect(diffTag(stored(), inputs({ categoryId: "urn:cat:2" })).replaces).toEqual(["categoryId"]);
    expect(diffTag(stored(), inputs({ categoryId: UNKNOWN })).replaces).toEqual(["categoryId"]);
    expect(diffTag(stored(), inputs({ categoryId: undefined, categoryName: "other" })).replaces).toEqual([
      "categoryName",
    ]);
  });

  it("ignores an adopted tag's description and replaces it for another name", () => {
    const adopted = stored({ adopted: true, adopt: true, description: "theirs" });
    expect(diffTag(adopted, inputs({ adopt: true })).changes).toBe(false);
    expect(diffTag(adopted, inputs({ adopt: true, name: "zone-b" })).replaces).toEqual(["name"]);
  });
});
