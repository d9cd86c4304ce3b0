import { describe, expect, it } from "vitest";
import { FIELDS } from "./schema.js";
import { coerce, isCidr, toList } from "./values.js";

const field = (name: string) => {
  const spec = FIELDS.find((x) => x.name === name);
  if (!spec) throw new Error(name);
  return spec;
};

const SHA1 = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01";
const SHA256 = "ab".repeat(32);

describe("coerce", () => {
  it.each([
    ["port", "443", 443],
    ["port", " 8443 ", 8443],
    ["insecureFlag", "1", true],
    ["insecureFlag", "Yes", true],
    ["insecureFlag", "on", true],
    ["insecureFlag", "t", true],
    ["insecureFlag", "FALSE", false],
    ["insecureFlag", "0", false],
    ["insecureFlag", "off", false],
    ["roundTripperCount", "5", 5],
    ["roundTripperCount", "0x10", 16],
    ["datacenters", "dc1, dc2,,", ["dc1", "dc2"]],
    ["datacenters", ["dc1", " dc2 "], ["dc1", "dc2"]],
    ["ipFamily", "IPv6, ipv4", ["ipv6", "ipv4"]],
    ["internalNetworkSubnetCidr", "10.0.0.0/8, fd00::/64", ["10.0.0.0/8", "fd00::/64"]],
    ["server", "vcenter.example.com", "vcenter.example.com"],
    ["server", "10.0.0.1", "10.0.0.1"],
    ["server", "fd00::1", "fd00::1"],
    ["thumbprint", SHA1, SHA1],
    ["thumbprint", SHA256, SHA256],
    ["password", " keep spaces ", " keep spaces "],
  ])("%s %j → %j", (name, raw, want) => {
    expect(coerce(field(name), raw)).toEqual({ ok: true, value: want });
  });

  it.each([
    ["port", ""],
    ["user", ""],
    ["datacenters", " , "],
    ["datacenters", []],
    ["ipFamily", ""],
    ["roundTripperCount", "0"],
  ])("%s %j is unset", (name, raw) => {
    expect(coerce(field(name), raw)).toBeUndefined();
  });

  it.each([
    ["port", "abc", /not a TCP port/, "1 to 65535"],
    ["port", "0", /not a TCP port/, "1 to 65535"],
    ["port", "65536", /not a TCP port/, "1 to 65535"],
    ["port", "44 3", /not a TCP port/, "1 to 65535"],
    ["insecureFlag", "maybe", /not a boolean/, "true or false"],
    ["roundTripperCount", "-1", /positive whole number/, "3"],
    ["ipFamily", "ipv5", /not an IP family/, "ipv4"],
    ["ipFamily", "ipv4,IPV4", /listed twice/, "once"],
    ["internalNetworkSubnetCidr", "10.0.0.0", /not a CIDR/, "10.0.0.0/24"],
    ["thumbprint", "AB:CD", /not a SHA-1 or SHA-256/, "hex digits"],
    ["server", "https://vc.example.com", /is a URL/, "host name"],
    ["server", "vc.example.com:443", /includes a port/, "port"],
    ["server", "vc.example.com/sdk", /contains a path/, "host name"],
    ["server", "[fd00::1]", /has brackets/, "without"],
    ["server", "vc example", /white space/, "bare host"],
    ["server", "vc!", /not a host name/, "vcenter.example.com"],
    ["user", ["a", "b"], /single value/, "vCenter user name"],
  ])("%s %j is rejected with a fix", (name, raw, message, fix) => {
    const result = coerce(field(name), raw);
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(message) as unknown });
    expect(result && !result.ok && result.fix).toContain(fix);
  });

  it("never quotes a secret's value", () => {
    const result = coerce(field("password"), ["hunter2"]);
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });
});

describe("helpers", () => {
  it.each([
    ["10.0.0.0/24", true],
    ["0.0.0.0/0", true],
    ["fe80::1/128", true],
    ["10.0.0.0/33", false],
    ["fe80::1/129", false],
    ["010.0.0.0/8", false],
    ["fe80::1%eth0/64", false],
    ["10.0.0.0 /24", false],
  ])("isCidr(%j) is %s", (text, want) => {
    expect(isCidr(text)).toBe(want);
  });

  it("toList splits, trims and drops blanks", () => {
    expect(toList(" a ,b,, c ")).toEqual(["a", "b", "c"]);
    expect(toList(["a,b", ""])).toEqual(["a,b"]);
  });
});
