import { describe, expect, it } from "vitest";
import { moRef } from "./types.js";
import { applyVmProperty, decodeVmSummary, extraConfigPath, VM_SUMMARY_PATHS } from "./inventory.js";

describe("VM summary paths and decoding", () => {
  it("asks for the two guestinfo keys by key, never the whole extraConfig", () => {
    expect(VM_SUMMARY_PATHS).not.toContain("config.extraConfig");
    expect(VM_SUMMARY_PATHS.filter((p) => p.startsWith("config.extraConfig"))).toEqual([
      'config.extraConfig["guestinfo.metadata"]',
      'config.extraConfig["guestinfo.metadata.encoding"]',
    ]);
    expect(extraConfigPath('a"b')).toBe('config.extraConfig["a\\"b"]');
  });

  it("decodes a keyed path's OptionValue, and no value (absent, null) as unset", () => {
    const ref = moRef("VirtualMachine", "vm-1");
    const vm = decodeVmSummary(ref, {
      name: "a",
      "config.uuid": "4211AAAA-0000-0000-0000-000000000001",
      [extraConfigPath("guestinfo.metadata")]: { _type: "OptionValue", key: "guestinfo.metadata", value: "e30=" },
      [extraConfigPath("guestinfo.metadata.encoding")]: null,
    });
    expect(vm).toMatchObject({ name: "a", uuid: "4211aaaa-0000-0000-0000-000000000001", guestinfoMetadata: "e30=" });
    expect(vm.guestinfoMetadataEncoding).toBeUndefined();
    expect(applyVmProperty(vm, extraConfigPath("guestinfo.metadata"), undefined)).toBe(true);
    expect(vm.guestinfoMetadata).toBeUndefined();
    // A path that is not part of a summary changes nothing.
    expect(applyVmProperty(vm, "config.extraConfig", [])).toBe(false);
    expect(Object.keys(vm)).not.toContain("config.extraConfig");
  });
});
