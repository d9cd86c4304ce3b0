import { describe, expect, it } from "vitest";
import type { GuestNic } from "../../vsphere/types.js";
import { selectAddresses, type AddressOptions, type NodeAddress } from "./addresses.js";
import { b64, gzb64, metadataWithAddresses, metadataWithEncodedNetwork, nic, vm } from "./fixtures.js";

const v4: AddressOptions = { ipFamilies: ["ipv4"] };
const v6: AddressOptions = { ipFamilies: ["ipv6"] };
const dual: AddressOptions = { ipFamilies: ["ipv4", "ipv6"] };
const dual6: AddressOptions = { ipFamilies: ["ipv6", "ipv4"] };
const I = (address: string): NodeAddress => ({ type: "InternalIP", address });
const E = (address: string): NodeAddress => ({ type: "ExternalIP", address });
const both = (address: string) => [I(address), E(address)];

/** The IP addresses chosen (the Hostname entry checked separately), or the reason. */
function ips(nics: GuestNic[], opts: AddressOptions, metadata?: { value: string; encoding?: string }) {
  const r = selectAddresses(
    vm({ nics, guestinfoMetadata: metadata?.value, guestinfoMetadataEncoding: metadata?.encoding }),
    opts,
  );
  if ("reason" in r) return r.reason;
  expect(r.addresses[0]).toEqual({ type: "Hostname", address: "node-a" });
  return r.addresses.slice(1);
}

describe("selectAddresses: one family", () => {
  it.each([
    [
      "first IP of the family is both kinds",
      [nic("a", ["127.0.0.6", "10.10.1.22", "10.10.1.23"]), nic("b", ["172.15.108.11"])],
      v4,
      both("10.10.1.22"),
    ],
    [
      "by subnet",
      [nic("a", ["127.0.0.6", "20.30.40.50", "10.10.1.22", "10.10.1.23", "172.15.108.10"])],
      { ...v4, internalNetworkSubnetCidr: ["10.10.0.0/16"], externalNetworkSubnetCidr: ["172.15.0.0/16"] },
      [I("10.10.1.22"), E("172.15.108.10")],
    ],
    [
      "subnets tried in their order",
      [nic("a", ["10.10.1.22"]), nic("b", ["170.12.0.5"])],
      { ...v4, internalNetworkSubnetCidr: ["170.12.0.0/16", "10.10.0.0/16"] },
      [I("170.12.0.5")],
    ],
    [
      "only the internal subnet matches: no ExternalIP, no fallback",
      [nic("a", ["10.10.1.22"]), nic("b", ["127.0.0.7"])],
      { ...v4, internalNetworkSubnetCidr: ["10.10.0.0/16"], externalNetworkSubnetCidr: ["172.15.0.0/16"] },
      [I("10.10.1.22")],
    ],
    [
      "only the external subnet is set",
      [nic("a", ["20.30.40.50", "172.15.108.10", "172.15.108.11"])],
      { ...v4, externalNetworkSubnetCidr: ["172.15.0.0/16"] },
      [E("172.15.108.10")],
    ],
    [
      "by VM network name, case-insensitive",
      [
        nic("net_x", ["127.0.0.6", "169.0.1.2"]),
        nic("Internal_Net", ["10.10.10.10"]),
        nic("EXTERNAL_net", ["172.15.108.11"]),
      ],
      { ...v4, internalVmNetworkName: "internal_net", externalVmNetworkName: "external_net" },
      [I("10.10.10.10"), E("172.15.108.11")],
    ],
    [
      "subnet before network name",
      [nic("internal_net", ["22.22.22.22", "172.15.108.11"]), nic("external_net", ["33.33.33.33", "10.10.1.22"])],
      {
        ...v4,
        internalNetworkSubnetCidr: ["10.10.0.0/16"],
        externalNetworkSubnetCidr: ["172.15.0.0/16"],
        internalVmNetworkName: "internal_net",
        externalVmNetworkName: "external_net",
      },
      [I("10.10.1.22"), E("172.15.108.11")],
    ],
    [
      "network name when no subnet matches",
      [nic("internal_net", ["22.22.22.22"]), nic("external_net", ["33.33.33.33"])],
      {
        ...v4,
        internalNetworkSubnetCidr: ["254.10.0.0/16"],
        externalNetworkSubnetCidr: ["253.15.0.0/16"],
        internalVmNetworkName: "internal_net",
        externalVmNetworkName: "external_net",
      },
      [I("22.22.22.22"), E("33.33.33.33")],
    ],
    [
      "internal network name matches nothing: only ExternalIP",
      [nic("internal_net", ["10.10.5.8"]), nic("external_net", ["172.15.2.3"])],
      { ...v4, internalVmNetworkName: "no-matches", externalVmNetworkName: "external_net" },
      [E("172.15.2.3")],
    ],
    [
      "non-vNIC devices (deviceConfigId -1) are ignored",
      [nic("vnic-device", ["254.10.1.2"], { deviceConfigId: -1 }), nic("internal_net", ["22.22.22.22"])],
      { ...v4, internalNetworkSubnetCidr: ["254.10.0.0/16"] },
      both("22.22.22.22"),
    ],
    [
      "unparsable and local-only IPs are skipped",
      [nic("a", ["blarg", "127.0.0.6", "169.254.1.1", "0.0.0.0", "10.10.1.22"])],
      v4,
      both("10.10.1.22"),
    ],
    ["first NIC without IPs", [nic("a", []), nic("b", ["172.15.108.11"])], v4, both("172.15.108.11")],
    [
      "first NIC without IPs of the family",
      [nic("a", ["fd00:cccc::1"]), nic("b", ["172.15.108.11"])],
      v4,
      both("172.15.108.11"),
    ],
    [
      "exclude CIDRs per kind",
      [nic("a", ["172.15.108.11", "172.15.108.12", "172.15.108.13"])],
      {
        ...v4,
        excludeInternalNetworkSubnetCidr: ["172.15.108.11/32"],
        excludeExternalNetworkSubnetCidr: ["172.15.108.11/32", "172.15.108.12/32"],
      },
      [I("172.15.108.12"), E("172.15.108.13")],
    ],
    [
      "exclude CIDR applies before the subnet rule",
      [nic("a", ["172.15.108.11", "172.15.108.12"])],
      { ...v4, internalNetworkSubnetCidr: ["172.15.0.0/16"], excludeInternalNetworkSubnetCidr: ["172.15.108.11/32"] },
      [I("172.15.108.12")],
    ],
    [
      "exclude CIDR removing the only IP: waits",
      [nic("a", ["10.0.0.5", "fe80::1"])],
      { ...v4, excludeInternalNetworkSubnetCidr: ["10.0.0.0/8"], excludeExternalNetworkSubnetCidr: ["10.0.0.0/8"] },
      "VM node-a has no usable ipv4 address yet",
    ],
    [
      "exclude CIDR for one kind only: the other kind still gets it",
      [nic("a", ["10.0.0.5"])],
      { ...v4, excludeInternalNetworkSubnetCidr: ["10.0.0.0/8"] },
      [E("10.0.0.5")],
    ],
    [
      "IPv6: first global address",
      [nic("a", ["fe80::3", "fd00:cccc::1"]), nic("b", ["fd00:bbbb::1"])],
      v6,
      both("fd00:cccc::1"),
    ],
    [
      "IPv6: by subnet",
      [nic("a", ["fe80::1", "fd00:aaaa::1", "fd00:cccc::1", "fd00:bbbb::1"])],
      { ...v6, internalNetworkSubnetCidr: ["fd00:cccc::/64"], externalNetworkSubnetCidr: ["fd00:bbbb::/64"] },
      [I("fd00:cccc::1"), E("fd00:bbbb::1")],
    ],
    [
      "IPv6 wanted, only IPv4 and link-local present",
      [nic("a", ["10.0.0.1", "fe80::1"])],
      v6,
      "VM node-a has no usable ipv6 address yet",
    ],
    ["IPv4-mapped IPv6 counts as IPv4 (as Go's To4)", [nic("a", ["::ffff:10.0.0.9"])], v4, both("::ffff:10.0.0.9")],
  ] as const)("%s", (_name, nics, opts, out) => {
    expect(ips([...nics], opts)).toEqual(out);
  });
});

describe("selectAddresses: dual stack", () => {
  it.each([
    [
      "IPv4 first",
      [nic("a", ["172.15.108.11", "fd00:cccc::1"]), nic("b", ["fd00:cccc::2"])],
      dual,
      [...both("172.15.108.11"), ...both("fd00:cccc::1")],
    ],
    [
      "IPv6 first",
      [nic("a", ["172.15.108.11", "fd00:cccc::1"]), nic("b", ["fd00:cccc::2"])],
      dual6,
      [...both("fd00:cccc::1"), ...both("172.15.108.11")],
    ],
    [
      "subnets of both families",
      [nic("bar", ["10.10.1.22", "fd00:dddd::11"]), nic("baz", ["172.15.108.11", "fd00:cccc::22"])],
      {
        ...dual,
        internalNetworkSubnetCidr: ["10.10.0.0/16", "fd00:cccc::/64"],
        externalNetworkSubnetCidr: ["172.15.0.0/16", "fd00:dddd::/64"],
      },
      [I("10.10.1.22"), E("172.15.108.11"), I("fd00:cccc::22"), E("fd00:dddd::11")],
    ],
    [
      "no subnet of one family matches: that family falls back to the first IP",
      [nic("bar", ["10.10.1.22", "fd00:dddd::11"]), nic("baz", ["172.15.108.11", "fd00:cccc::22"])],
      {
        ...dual,
        internalNetworkSubnetCidr: ["10.10.0.0/16", "fd00:ffff::/64"],
        externalNetworkSubnetCidr: ["172.15.0.0/16", "fd00:eeee::/64"],
      },
      [I("10.10.1.22"), E("172.15.108.11"), ...both("fd00:dddd::11")],
    ],
    [
      "network names, both families",
      [nic("internal_net", ["172.15.108.11", "fd00:cccc::1"]), nic("external_net", ["fd00:cccc::2", "172.15.108.12"])],
      { ...dual6, internalVmNetworkName: "internal_net", externalVmNetworkName: "external_net" },
      [I("fd00:cccc::1"), E("fd00:cccc::2"), I("172.15.108.11"), E("172.15.108.12")],
    ],
    [
      "exclusions in both families",
      [
        nic("a", ["172.15.108.11", "172.15.108.12", "172.15.108.13", "fd00:cccc::1"]),
        nic("b", ["fd00:cccc::2", "fd00:cccc::3"]),
      ],
      {
        ...dual,
        excludeInternalNetworkSubnetCidr: ["172.15.108.11/32", "fd00:cccc::1/128", "fd00:cccc::2/128"],
        excludeExternalNetworkSubnetCidr: ["172.15.108.11/32", "172.15.108.12/32", "fd00:cccc::1/128"],
      },
      [I("172.15.108.12"), E("172.15.108.13"), I("fd00:cccc::3"), E("fd00:cccc::2")],
    ],
    [
      "one family missing: waits",
      [nic("a", ["127.0.0.1", "fd00:cccc::1"])],
      dual6,
      "VM node-a has no usable ipv4 address yet",
    ],
    [
      "IPv4 excluded entirely: waits",
      [nic("a", ["172.15.108.11", "fd00:cccc::1"])],
      { ...dual, excludeInternalNetworkSubnetCidr: ["172.0.0.0/8"], excludeExternalNetworkSubnetCidr: ["172.0.0.0/8"] },
      "VM node-a has no usable ipv4 address yet",
    ],
  ] as const)("%s", (_name, nics, opts, out) => {
    expect(ips([...nics], opts)).toEqual(out);
  });
});

describe("selectAddresses: guestinfo static addresses first", () => {
  const meta = (addrs: string[]) => ({ value: b64(metadataWithAddresses(addrs)), encoding: "base64" });
  it.each([
    [
      "static IPv4 preferred",
      [nic("VM Network", ["192.168.1.10", "192.168.1.12"])],
      v4,
      meta(["192.168.1.12/24"]),
      both("192.168.1.12"),
    ],
    [
      "metadata order",
      [nic("VM Network", ["192.168.1.10", "192.168.1.12"])],
      v4,
      meta(["192.168.1.12/24", "192.168.1.10/24"]),
      both("192.168.1.12"),
    ],
    [
      "static IPv6 preferred",
      [nic("VM Network", ["fe80::1", "fd01:1234::1", "fd01:cccc::1"])],
      v6,
      meta(["fd01:cccc::1/128"]),
      both("fd01:cccc::1"),
    ],
    [
      "long and short IPv6 spellings match",
      [nic("VM Network", ["fd00::1", "fd01:1:2:2919:abba::401"])],
      v6,
      meta(["fd01:1:2:2919:abba:0000:0000:401/128"]),
      both("fd01:1:2:2919:abba::401"),
    ],
    [
      "static address in the subnet",
      [nic("VM Network", ["192.168.1.10", "192.168.1.12", "10.10.10.10"])],
      { ...v4, internalNetworkSubnetCidr: ["192.168.0.0/16"], externalNetworkSubnetCidr: ["192.168.0.0/16"] },
      meta(["10.10.10.10/24", "192.168.1.12/24"]),
      both("192.168.1.12"),
    ],
    [
      "excluded static address is skipped",
      [nic("VM Network", ["192.168.1.10", "192.168.1.12", "10.10.10.10"])],
      {
        ...v4,
        excludeInternalNetworkSubnetCidr: ["192.168.0.0/16"],
        excludeExternalNetworkSubnetCidr: ["192.168.0.0/16"],
      },
      meta(["192.168.1.12/24", "10.10.10.10/24"]),
      both("10.10.10.10"),
    ],
    [
      "static address on the named network",
      [nic("internal_net", ["192.168.1.8"]), nic("VM Network", ["192.168.1.10", "192.168.1.12", "10.10.10.10"])],
      { ...v4, internalVmNetworkName: "VM Network", externalVmNetworkName: "VM Network" },
      meta(["192.168.1.8/24", "192.168.1.12/24", "10.10.10.10/24"]),
      both("192.168.1.12"),
    ],
    [
      "static addresses not on a NIC are ignored",
      [nic("VM Network", ["192.168.1.8"])],
      v4,
      meta(["192.168.1.12/24"]),
      both("192.168.1.8"),
    ],
    [
      "DHCP-only metadata changes nothing",
      [nic("VM Network", ["fe80::1", "fd01:1234::1", "fd01:cccc::1"])],
      v6,
      { value: b64("network:\n  version: 2\n  ethernets:\n    id0:\n      dhcp6: true\n"), encoding: "base64" },
      both("fd01:1234::1"),
    ],
    [
      "network base64-encoded",
      [nic("VM Network", ["fe80::1", "fd01:1234::1", "fd01:cccc::1"])],
      v6,
      { value: b64(metadataWithEncodedNetwork("base64", ["fd01:cccc::1/128"])), encoding: "base64" },
      both("fd01:cccc::1"),
    ],
    [
      "network gzip+base64-encoded",
      [nic("VM Network", ["fe80::1", "fd01:1234::1", "fd01:cccc::1"])],
      v6,
      { value: b64(metadataWithEncodedNetwork("gzip+base64", ["fd01:cccc::1/128"])), encoding: "base64" },
      both("fd01:cccc::1"),
    ],
    [
      "metadata gzip+base64-encoded",
      [nic("VM Network", ["192.168.1.10", "192.168.1.12"])],
      v4,
      { value: gzb64(metadataWithAddresses(["192.168.1.12/24"])), encoding: "gzip+base64" },
      both("192.168.1.12"),
    ],
    [
      "unreadable metadata: waits (upstream fails discovery)",
      [nic("VM Network", ["192.168.1.10"])],
      v4,
      { value: b64("not-valid-yaml this should error"), encoding: "base64" },
      "VM node-a: guestinfo.metadata is not a YAML mapping",
    ],
  ] as const)("%s", (_name, nics, opts, metadata, out) => {
    expect(ips([...nics], opts, metadata)).toEqual(out);
  });
});

describe("selectAddresses: not yet", () => {
  it.each([
    [
      "no guest host name",
      vm({ guestHostName: undefined }),
      v4,
      "VM node-a reports no guest host name yet (VMware Tools not running?)",
    ],
    ["no NICs", vm({ nics: [] }), v4, "VM node-a reports no guest NICs yet (VMware Tools not running?)"],
    ["only local IPs", vm({ nics: [nic("a", ["127.0.0.1", "fe80::1"])] }), v4, "VM node-a has no usable IP yet"],
    [
      "only non-vNIC devices",
      vm({ nics: [nic("a", ["10.0.0.1"], { deviceConfigId: -1 })] }),
      v4,
      "VM node-a has no usable IP yet",
    ],
    [
      "neither network name exists",
      vm({ nics: [nic("net_a", ["10.10.1.22"]), nic("net_b", ["172.15.108.11"])] }),
      { ...v4, internalVmNetworkName: "internal_net", externalVmNetworkName: "external_net" },
      'VM node-a has no NIC on VM network "internal_net" or "external_net" (networks: net_a, net_b)',
    ],
    [
      "bad CIDR",
      vm(),
      { ...v4, excludeExternalNetworkSubnetCidr: ["10.0.0.0/40"] },
      'excludeExternalNetworkSubnetCidr: "10.0.0.0/40" is not a CIDR',
    ],
  ] as const)("%s", (_name, v, opts, reason) => {
    expect(selectAddresses(v, opts)).toMatchObject({ reason });
  });

  it("treats an empty family list as IPv4 (upstream's default)", () => {
    expect(ips([nic("a", ["fd00::1", "10.0.0.1"])], { ipFamilies: [] })).toEqual(both("10.0.0.1"));
  });
});

describe("selectAddresses: explanation", () => {
  it("says why each candidate was chosen or rejected", () => {
    const r = selectAddresses(
      vm({
        nics: [
          nic("VM Network", ["127.0.0.1", "10.0.0.5", "10.1.0.5"]),
          nic("docker", ["172.17.0.1"], { deviceConfigId: -1 }),
        ],
        guestinfoMetadata: b64(metadataWithAddresses(["10.1.0.5/16"])),
        guestinfoMetadataEncoding: "base64",
      }),
      { ...v4, excludeExternalNetworkSubnetCidr: ["10.1.0.0/16"], internalNetworkSubnetCidr: ["10.0.0.0/16"] },
    );
    expect(r).toEqual({
      addresses: [{ type: "Hostname", address: "node-a" }, I("10.0.0.5")],
      explanation: [
        "Hostname node-a: guest host name",
        '127.0.0.1 (NIC 4000 on "VM Network"): skipped, loopback',
        'device on "docker": skipped, not a virtual NIC (deviceConfigId -1): 172.17.0.1',
        "guestinfo.metadata (base64, plain network) configures static addresses 10.1.0.5",
        "ipv4: candidates 10.1.0.5, 10.0.0.5",
        "10.1.0.5: not ExternalIP, in exclude CIDR 10.1.0.0/16",
        "ipv4: no ExternalIP: no rule matched it (no fallback once a rule matched)",
        'ipv4: InternalIP 10.0.0.5 (NIC 4000 on "VM Network"): in subnet CIDR 10.0.0.0/16',
      ],
    });
  });
});
