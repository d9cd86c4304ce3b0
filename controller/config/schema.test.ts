import { describe, expect, it } from "vitest";
import { tlsFixes } from "../../vsphere/tls.js";
import { tlsSettingNames } from "./schema.js";

describe("tlsSettingNames", () => {
  it("names the TLS keys as each format spells them, for certificate errors", () => {
    expect(tlsFixes(tlsSettingNames("yaml"))).toBe(
      "Trust its CA (caFile), pin its thumbprint (thumbprint), or, for a lab only, turn verification off " +
        "(insecureFlag: true).",
    );
    expect(tlsFixes(tlsSettingNames("ini"))).toBe(
      "Trust its CA (ca-file), pin its thumbprint (thumbprint), or, for a lab only, turn verification off " +
        "(insecure-flag = true).",
    );
    // A caller that gives no names gets no invented ones.
    expect(tlsFixes()).toBe("Trust its CA, pin its thumbprint, or, for a lab only, turn verification off.");
  });
});
