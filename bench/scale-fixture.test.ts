import { describe, expect, it } from "vitest";
import { canonicalIp } from "../controller/cloud/ip.js";
import { expectedAddresses, linkLocal, planNic, PORT_GROUPS, type ScaleVm } from "./scale-fixture.js";

describe("the bench:scale NIC plan", () => {
  it("derives the link-local address from the MAC as Linux does (modified EUI-64)", () => {
    expect(linkLocal("00:0c:29:aa:bb:cc")).toBe("fe80::20c:29ff:feaa:bbcc");
    expect(linkLocal("00:50:56:00:00:01")).toBe("fe80::250:56ff:fe00:1");
  });

  it("gives each NIC its port group, a planned key and MAC, and addresses in the form Tools reports", () => {
    const own = { mac: "00:0c:29:35:32:37", key: 4000 };
    const nics = [0, 1, 2].map((k) => planNic(0, 4999, k, own));
    expect(nics.map((n) => [n.network, n.deviceKey, n.macAddress])).toEqual([
      [PORT_GROUPS[0], 4000, "00:0c:29:35:32:37"],
      [PORT_GROUPS[1], 4001, "00:50:56:00:13:87"],
      [PORT_GROUPS[2], 4002, "00:50:56:08:13:87"],
    ]);
    expect(nics.map((n) => [n.ipv4, n.ipv6])).toEqual([
      ["10.100.19.251", "fd0a:1::1389"],
      ["172.16.19.251", "fdac:1::1389"],
      ["100.64.19.251", "fdc0:1::1389"],
    ]);
    for (const n of nics) for (const ip of [n.ipv6, n.linkLocal]) expect(canonicalIp(ip)).toBe(ip);
  });

  it("expects InternalIP from NIC 0 and ExternalIP from NIC 1 in both families", () => {
    const own = { mac: "00:0c:29:35:32:37", key: 4000 };
    const vm = { nodeName: "n", nics: [0, 1, 2].map((k) => planNic(1, 0, k, own)) } as ScaleVm;
    expect(expectedAddresses(vm)).toEqual([
      "ExternalIP=172.17.0.2",
      "ExternalIP=fdac:2::2",
      "Hostname=n",
      "InternalIP=10.101.0.2",
      "InternalIP=fd0a:2::2",
    ]);
  });
});
