import { unknownValue } from "@pulumi/pulumi/runtime/rpc.js";
import { describe, expect, it } from "vitest";
import { decide, isUnknown, Problems, sameSet, sameValue, sortedUnique, UNKNOWN } from "./inputs.js";

describe("unknown preview values", () => {
  it("UNKNOWN is the engine's sentinel", () => {
    expect(UNKNOWN).toBe(unknownValue);
  });

  it("is recognized alone and inside a list, and never equals anything", () => {
    expect(isUnknown(UNKNOWN)).toBe(true);
    expect(isUnknown(["a", UNKNOWN])).toBe(true);
    expect(isUnknown(["a"])).toBe(false);
    expect(sameValue(UNKNOWN, UNKNOWN)).toBe(false);
    expect(sameSet([UNKNOWN], [UNKNOWN])).toBe(false);
    expect(sortedUnique(["b", UNKNOWN, "a"])).toEqual(["b", UNKNOWN, "a"]);
  });
});

describe("Problems", () => {
  it("collects every problem with its property path", () => {
    const p = new Problems();
    p.string({}, "name", "the name");
    p.string({ title: " x" }, "title", "a title");
    p.boolean({ adopt: "yes" }, "adopt", false);
    p.stringList({ types: ["a", 3, ""] }, "types");
    expect(p.failures).toEqual([
      { property: "name", reason: "required: the name" },
      { property: "title", reason: '" x" has leading or trailing spaces; remove them' },
      { property: "adopt", reason: 'expected true or false, got "yes"' },
      { property: "types[1]", reason: "expected a non-empty string" },
      { property: "types[2]", reason: "expected a non-empty string" },
    ]);
  });

  it("lets unknown values through unchecked", () => {
    const p = new Problems();
    expect(p.string({ name: UNKNOWN }, "name", "")).toBe(UNKNOWN);
    expect(p.boolean({ adopt: UNKNOWN }, "adopt", false)).toBe(UNKNOWN);
    expect(p.stringList({ types: UNKNOWN }, "types")).toBe(UNKNOWN);
    expect(p.stringList({ types: ["a", UNKNOWN] }, "types")).toEqual(["a", UNKNOWN]);
    expect(p.failures).toEqual([]);
  });
});

describe("diff helpers", () => {
  it("compares lists as sets and values deeply", () => {
    expect(sameSet(["a", "b", "a"], ["b", "a"])).toBe(true);
    expect(sameSet(["a"], ["a", "b"])).toBe(false);
    expect(sameSet(undefined, [])).toBe(true);
    expect(sameValue(["a", "b"], ["a", "b"])).toBe(true);
    expect(sameValue(["a", "b"], ["b", "a"])).toBe(false);
  });

  it("replaces only for the properties vCenter cannot change in place", () => {
    expect(decide([], ["entity"])).toEqual({ changes: false, replaces: [] });
    expect(decide(["name", "entity"], ["entity"])).toEqual({ changes: true, replaces: ["entity"] });
  });
});
