import { describe, expect, it } from "vitest";
import { UNKNOWN } from "./inputs.js";
import {
  checkTagCategory,
  diffTagCategory,
  type TagCategoryInputs,
  type TagCategoryOutputs,
} from "./tag-category-ops.js";

const inputs = (over: Partial<TagCategoryInputs> = {}): TagCategoryInputs => ({
  name: "k8s-zone",
  description: "",
  cardinality: "SINGLE",
  associableTypes: ["ClusterComputeResource", "Datacenter"],
  adopt: false,
  ...over,
});
const stored = (over: Partial<TagCategoryOutputs> = {}): TagCategoryOutputs => ({
  ...inputs(),
  adopted: false,
  ...over,
});

describe("checkTagCategory", () => {
  it("applies defaults and sorts the types", () => {
    expect(checkTagCategory({ name: "k8s-zone", associableTypes: ["Datacenter", "ClusterComputeResource"] })).toEqual({
      inputs: inputs(),
      failures: [],
    });
  });

  it("reports every problem with its path", () => {
    expect(checkTagCategory({ cardinality: "ONE", associableTypes: ["Data center"], adopt: 1 }).failures).toEqual([
      { property: "name", reason: 'required: the category name, e.g. "k8s-zone"' },
      { property: "cardinality", reason: '"ONE": expected "SINGLE" or "MULTIPLE"' },
      {
        property: "associableTypes[0]",
        reason: '"Data center" is not a managed object type; use types like "Datacenter" or "ClusterComputeResource"',
      },
      { property: "adopt", reason: "expected true or false, got 1" },
    ]);
  });
});

describe("diffTagCategory", () => {
  it("sees no change when only the order of types differs", () => {
    expect(
      diffTagCategory(stored(), inputs({ associableTypes: ["Datacenter", "ClusterComputeResource"] })).changes,
    ).toBe(false);
  });

  it("updates in place what vCenter can change", () => {
    const d = diffTagCategory(
      stored(),
      inputs({
        name: "zone",
        description: "zones",
        cardinality: "MULTIPLE",
        associableTypes: ["ClusterComputeResource", "Datacenter", "HostSystem"],
      }),
    );
    expect(d).toEqual({ changes: true, replaces: [] });
  });

  it("replaces for MULTIPLE to SINGLE and for removed or opened-up types", () => {
    expect(diffTagCategory(stored({ cardinality: "MULTIPLE" }), inputs()).replaces).toEqual(["cardinality"]);
    expect(diffTagCategory(stored(), inputs({ associableTypes: ["Datacenter"] })).replaces).toEqual([
      "associableTypes",
    ]);
    expect(diffTagCategory(stored(), inputs({ associableTypes: [] })).replaces).toEqual(["associableTypes"]);
    expect(diffTagCategory(stored({ associableTypes: [] }), inputs()).replaces).toEqual(["associableTypes"]);
    expect(diffTagCategory(stored(), inputs({ associableTypes: [UNKNOWN] })).replaces).toEqual(["associableTypes"]);
  });

  it("leaves an adopted category's settings alone and replaces it for another name", () => {
    const adopted = stored({ adopted: true, adopt: true, cardinality: "MULTIPLE", associableTypes: [] });
    expect(diffTagCategory(adopted, inputs({ adopt: true })).changes).toBe(false);
    expect(diffTagCategory(adopted, inputs({ adopt: true, name: "other" })).replaces).toEqual(["name"]);
    expect(diffTagCategory(adopted, inputs({ adopt: false }))).toEqual({ changes: true, replaces: [] });
  });
});
