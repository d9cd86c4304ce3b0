import { describe, expect, it } from "vitest";
import { UNKNOWN } from "./inputs.js";
import {
  attachmentId,
  checkTagAttachment,
  diffTagAttachment,
  type TagAttachmentOutputs,
} from "./tag-attachment-ops.js";

const stored: TagAttachmentOutputs = {
  tagId: "urn:tag:1",
  object: "/DC0",
  adopt: false,
  objectType: "Datacenter",
  objectMoid: "datacenter-2",
  adopted: false,
};

describe("checkTagAttachment", () => {
  it("accepts an inventory path", () => {
    expect(checkTagAttachment({ tagId: "urn:tag:1", object: "/DC0/" })).toEqual({
      inputs: { tagId: "urn:tag:1", object: "/DC0", adopt: false },
      failures: [],
    });
  });

  it("reports every problem with its path", () => {
    expect(checkTagAttachment({ object: "DC0" }).failures).toEqual([
      { property: "tagId", reason: "required: the id of a tag, e.g. a Tag resource's id" },
      { property: "object", reason: '"DC0" is not an inventory path; start it with "/", e.g. "/DC0"' },
    ]);
  });
});

describe("diffTagAttachment", () => {
  it("replaces for another tag or object, unknown ones included", () => {
    expect(diffTagAttachment(stored, { tagId: "urn:tag:1", object: "/DC0", adopt: false }).changes).toBe(false);
    expect(diffTagAttachment(stored, { tagId: UNKNOWN, object: "/DC0", adopt: false }).replaces).toEqual(["tagId"]);
    expect(diffTagAttachment(stored, { tagId: "urn:tag:1", object: "/DC1", adopt: false }).replaces).toEqual([
      "object",
    ]);
    expect(diffTagAttachment(stored, { tagId: "urn:tag:1", object: "/DC0", adopt: true })).toEqual({
      changes: true,
      replaces: [],
    });
  });

  it("ids name the tag and the object", () => {
    expect(attachmentId("urn:tag:1", { type: "Datacenter", value: "datacenter-2" })).toBe(
      "urn:tag:1/Datacenter:datacenter-2",
    );
  });
});
