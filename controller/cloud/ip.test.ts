import { describe, expect, it } from "vitest";
import { canonicalIp, cidrContains, localOnlyReason, parseCidr, parseCidrs, parseIp } from "./ip.js";

describe("parseIp", () => {
  it.each([
    ["10.0.0.1", 4, "10.0.0.1"],
    ["255.255.255.255", 4, "255.255.255.255"],
    ["::ffff:10.0.0.1", 4, "10.0.0.1"],
    ["::ffff:a00:1", 4, "10.0.0.1"],
    ["fd01:1:2:2919:abba:0000:0000:401", 6, "fd01:1:2:2919:abba::401"],
    ["FD00::1", 6, "fd00::1"],
    ["::", 6, "::"],
    ["::1", 6, "::1"],
    ["1::", 6, "1::"],
    ["2001:db8:0:0:1:0:0:1", 6, "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", 6, "2001:db8:0:1:1:1:1:1"],
    ["64:ff9b::10.0.0.1", 6, "64:ff9b::a00:1"],
    ["1:2:3:4:5:6:7::", 6, "1:2:3:4:5:6:7:0"],
    ["::1:2:3:4:5:6:7", 6, "0:1:2:3:4:5:6:7"],
    ["1:0:0:2:0:0:0:3", 6, "1:0:0:2::3"],
    ["0:0:0:0:0:ffff:1.2.3.4", 4, "1.2.3.4"],
  ] as const)("%s is IPv%d %s", (text, family, canonical) => {
    expect(parseIp(text)).toMatchObject({ family, canonical });
  });

  it.each([
    "",
    "10.0.0",
    "10.0.0.256",
    "010.0.0.1",
    "10.0.0.1.1",
    "fe80::1%eth0",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "1::2::3",
    "1.2.3.4::",
    "12345::1",
    "node-a",
  ])("%j is not an IP", (text) => {
    expect(parseIp(text)).toBeUndefined();
    expect(canonicalIp(text)).toBe(text);
  });
});

describe("CIDRs", () => {
  const contains = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);

  it.each([
    ["10.0.0.0/8", "10.1.2.3", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["10.0.0.0/8", "::ffff:10.1.2.3", true],
    ["192.168.1.0/25", "192.168.1.127", true],
    ["192.168.1.0/25", "192.168.1.128", false],
    ["0.0.0.0/0", "1.2.3.4", true],
    ["0.0.0.0/0", "fd00::1", false],
    ["fd00::/8", "fd12::1", true],
    ["fd00::/8", "fe80::1", false],
    ["::/0", "10.0.0.1", false],
    ["::ffff:0:0/96", "10.0.0.1", true],
    ["::ffff:10.0.0.0/104", "10.1.2.3", true],
    ["::ffff:10.0.0.0/104", "11.0.0.1", false],
    ["::/80", "10.0.0.1", false],
  ])("%s contains %s: %s", (cidr, ip, out) => {
    expect(contains(cidr, ip)).toBe(out);
  });

  it.each(["10.0.0.0", "10.0.0.0/33", "fd00::/129", "10.0.0.0/x", "nope/8"])("%j is not a CIDR", (t) => {
    expect(parseCidr(t)).toBeUndefined();
  });

  it("parses lists, skipping blanks, naming the first bad entry", () => {
    expect(parseCidrs([" 10.0.0.0/8 ", "", "fd00::/8"])).toMatchObject({
      cidrs: [{ text: "10.0.0.0/8" }, { text: "fd00::/8" }],
    });
    expect(parseCidrs(["10.0.0.0/8", "10.0.0.0"])).toEqual({ bad: "10.0.0.0" });
    expect(parseCidrs(undefined)).toEqual({ cidrs: [] });
  });
});

describe("localOnlyReason (upstream ErrOnLocalOnlyIPAddr)", () => {
  it.each([
    ["bogus", "invalid"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.251", "link-local multicast"],
    ["ff02::1", "link-local multicast"],
    ["169.254.10.1", "link-local unicast"],
    ["fe80::1", "link-local unicast"],
    ["ff12::1", "link-local multicast"],
    ["febf::1", "link-local unicast"],
    ["127.0.0.1", "loopback"],
    ["127.1.2.3", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", undefined],
    ["224.0.1.1", undefined],
    ["fec0::1", undefined],
    ["fd00::1", undefined],
  ])("%s: %s", (ip, reason) => {
    expect(localOnlyReason(ip)).toBe(reason);
  });
});
