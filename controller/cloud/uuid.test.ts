import { describe, expect, it } from "vitest";
import { UUID, UUID_SWAPPED } from "./fixtures.js";
import { normalizeUuid, parseUuid, providerIdOf, swapUuid, uuidFromProviderId } from "./uuid.js";

describe("normalizeUuid", () => {
  it.each([
    [" 422E4956-AD22-1139-6D72-59CC8F26BC90 ", UUID],
    [UUID, UUID],
    ["422e4956ad2211396d7259cc8f26bc90", undefined],
    ["422e4956-ad22-1139-6d72-59cc8f26bc9", undefined],
    ["422e4956-ad22-1139-6d72-59cc8f26bc9g", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%j -> %j", (input, out) => {
    expect(normalizeUuid(input)).toBe(out);
  });
});

describe("parseUuid", () => {
  it("names what is wrong", () => {
    expect(parseUuid("", "systemUUID")).toEqual({ reason: "systemUUID is empty" });
    expect(parseUuid("abc")).toEqual({ reason: 'UUID "abc" is not a UUID (8-4-4-4-12 hex digits)' });
    expect(parseUuid(UUID.toUpperCase())).toEqual({ uuid: UUID });
  });
});

describe("swapUuid", () => {
  it("swaps the byte order of the first three groups (upstream's example)", () => {
    expect(swapUuid("56492e42-22ad-3911-6d72-59cc8f26bc90")).toBe("422e4956-ad22-1139-6d72-59cc8f26bc90");
    expect(swapUuid(UUID)).toBe(UUID_SWAPPED);
  });
  it("is its own inverse", () => {
    expect(swapUuid(swapUuid(UUID))).toBe(UUID);
  });
});

describe("providerID", () => {
  it.each([
    [`vsphere://${UUID}`, { uuid: UUID }],
    [`vsphere://${UUID.toUpperCase()}`, { uuid: UUID }],
    [` VSPHERE://${UUID} `, { uuid: UUID }],
    [UUID, { reason: `providerID "${UUID}" is not a vSphere providerID (vsphere://<uuid>)` }],
    [
      "aws:///us-east-1a/i-0123",
      { reason: 'providerID "aws:///us-east-1a/i-0123" is not a vSphere providerID (vsphere://<uuid>)' },
    ],
    [
      "vsphere://not-a-uuid",
      { reason: 'providerID "vsphere://not-a-uuid" does not end in a UUID (8-4-4-4-12 hex digits)' },
    ],
    ["vsphere://", { reason: 'providerID "vsphere://" does not end in a UUID (8-4-4-4-12 hex digits)' }],
  ])("%s", (pid, out) => {
    expect(uuidFromProviderId(pid)).toEqual(out);
  });

  it("formats vsphere://<lower-case uuid>", () => {
    expect(providerIdOf(UUID.toUpperCase())).toBe(`vsphere://${UUID}`);
    expect(uuidFromProviderId(providerIdOf(UUID))).toEqual({ uuid: UUID });
  });
});
