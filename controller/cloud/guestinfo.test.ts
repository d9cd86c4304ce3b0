import { describe, expect, it } from "vitest";
import { b64, gzb64, metadataWithAddresses, metadataWithEncodedNetwork } from "./fixtures.js";
import { staticAddresses } from "./guestinfo.js";

const statics = (meta: string | undefined, enc?: string) => {
  const r = staticAddresses(meta, enc);
  return "reason" in r ? r : r.addresses;
};

describe("staticAddresses", () => {
  const plain = metadataWithAddresses(["192.168.1.12/24", "fd01:1:2:2919:abba:0000:0000:401/64"]);
  const both = ["192.168.1.12", "fd01:1:2:2919:abba::401"];

  it.each([
    ["base64 metadata (upstream's only outer encoding)", b64(plain), "base64", both],
    ["b64 alias", b64(plain), "b64", both],
    ["gzip+base64 metadata", gzb64(plain), "gzip+base64", both],
    ["gz+b64 alias", gzb64(plain), "gz+b64", both],
    ["plain metadata (no encoding)", plain, undefined, both],
    ["encoding case and spaces", b64(plain), " Base64 ", both],
    [
      "network base64 inside",
      b64(metadataWithEncodedNetwork("base64", ["fd01:cccc::1/128"])),
      "base64",
      ["fd01:cccc::1"],
    ],
    [
      "network gzip+base64 inside",
      b64(metadataWithEncodedNetwork("gzip+base64", ["10.0.0.5/24", "10.0.0.6/24"])),
      "base64",
      ["10.0.0.5", "10.0.0.6"],
    ],
    ["base64 with line breaks (Go skips CR/LF)", b64(plain).replace(/(.{20})/g, "$1\n"), "base64", both],
    ["no network section", b64('instance-id: "x"'), "base64", []],
    ["encoded network missing", b64("network.encoding: gzip+base64"), "base64", []],
    ["DHCP only", b64("network:\n  version: 2\n  ethernets:\n    id0:\n      dhcp6: true\n"), "base64", []],
  ])("%s", (_name, meta, enc, out) => {
    expect(statics(meta, enc)).toEqual(out);
  });

  it("keeps document order across ethernets and drops duplicates and non-IPs", () => {
    const meta = [
      "network:",
      "  ethernets:",
      "    b:",
      '      addresses: ["10.0.0.2/24", "10.0.0.1/24", "not-an-ip/8"]',
      "    a:",
      '      addresses: ["10.0.0.1/24", {"10.0.0.3/24": {lifetime: 0}}]',
    ].join("\n");
    expect(statics(meta)).toEqual(["10.0.0.2", "10.0.0.1", "10.0.0.3"]);
  });

  it("accepts an encoded netplan wrapped in `network:` as cloud-init does", () => {
    const meta = `network.encoding: base64\nnetwork: ${b64("network:\n  ethernets:\n    e:\n      addresses: [10.9.9.9/8]\n")}`;
    expect(statics(meta)).toEqual(["10.9.9.9"]);
  });

  it("ignores metadata in an encoding it does not know, as upstream ignores all but base64", () => {
    expect(staticAddresses(b64(plain), "rot13")).toEqual({
      addresses: [],
      note: 'guestinfo.metadata.encoding "rot13" is not supported: metadata ignored',
    });
  });

  it("refuses to inflate more than a few MiB", () => {
    const r = staticAddresses(gzb64("#".repeat(5 * 1024 * 1024)), "gzip+base64");
    expect("reason" in r && r.reason).toMatch(/^guestinfo.metadata could not be un-gzipped: /);
  });

  it("says where the addresses came from", () => {
    expect(staticAddresses(b64(metadataWithEncodedNetwork("gzip+base64", ["10.0.0.5/24"])), "base64")).toEqual({
      addresses: ["10.0.0.5"],
      note: "guestinfo.metadata (base64, network gzip+base64) configures static addresses 10.0.0.5",
    });
    expect(staticAddresses(undefined, undefined)).toEqual({ addresses: [], note: "no guestinfo.metadata" });
  });

  it.each([
    ["not base64", "@@@", "base64", "guestinfo.metadata is not valid base64"],
    ["not gzip", b64("plain text"), "gzip+base64", "guestinfo.metadata could not be un-gzipped"],
    ["not YAML", b64("a: [1, 2"), "base64", "guestinfo.metadata is not valid YAML"],
    ["a scalar (upstream: cannot unmarshal)", b64("not-valid-yaml this should error"), "base64", "not a YAML mapping"],
    ["network not a mapping", b64("network: [1]"), "base64", "`network` is not a mapping"],
    ["ethernets a list", b64("network:\n  ethernets: [a]"), "base64", "`ethernets` is not a mapping"],
    [
      "encoded network not a string",
      b64("network.encoding: base64\nnetwork: {a: 1}"),
      "base64",
      "network is not a string",
    ],
    [
      "encoded network not base64",
      b64("network.encoding: base64\nnetwork: '%%%'"),
      "base64",
      "network is not valid base64",
    ],
    [
      "encoded network not gzip",
      b64(`network.encoding: gzip+base64\nnetwork: ${b64("x")}`),
      "base64",
      "network could not be un-gzipped",
    ],
  ])("%s: a reason", (_name, meta, enc, reason) => {
    const r = staticAddresses(meta, enc);
    expect("reason" in r && r.reason).toContain(reason);
  });
});
