// SearchIndex lookups against vcsim, cross-checked with govc. A VM of our own carries the guest
// host name and IP (set through extraConfig SET.guest.*, which vcsim applies to guest info), so
// the model VMs other tests read stay untouched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, vcsimSession } from "../env/context.js";
import { govcFor, type Govc } from "../env/govc.js";
import { findByInventoryPath } from "../../vsphere/inventory-path.js";
import {
  findAllByDnsName,
  findAllByIp,
  findAllByUuid,
  findByDnsName,
  findByIp,
  findByUuid,
} from "../../vsphere/search.js";
import { VsphereSession } from "../../vsphere/session.js";
import type { MoRef } from "../../vsphere/types.js";

const PREFIX = `k8s-search-${process.pid}`;
const FOLDER = `/DC0/vm/${PREFIX}`;
const VM_PATH = `${FOLDER}/node-1`;
const HOST_NAME = `${PREFIX}.node-1.example.test`;
// TEST-NET-2 (RFC 5737) with a per-run last octet pair, so no model VM ever answers to it.
const IP = `198.51.100.${(process.pid % 250) + 1}`;
const UNKNOWN_UUID = "00000000-0000-4000-8000-00000000dead";

interface GovcVm {
  self: MoRef;
  config: { uuid: string; instanceUuid: string };
  guest: { hostName?: string; ipAddress?: string };
}
interface GovcHost {
  self: MoRef;
  summary: { hardware: { uuid: string } };
}

describe("vSphere SearchIndex lookups", () => {
  let s: VsphereSession;
  let govc: Govc;
  let vm: GovcVm;
  let dc: MoRef;

  const govcVm = async (...flags: string[]) =>
    (await govc.json<{ virtualMachines: GovcVm[] | null }>("vm.info", "-json", ...flags)).virtualMachines ?? [];

  beforeAll(async () => {
    const { vcsim, env } = engines();
    govc = govcFor(env);
    s = await vcsimSession(vcsim);
    await govc("folder.create", FOLDER);
    await govc("vm.create", "-on=false", "-net", "VM Network", "-folder", FOLDER, "node-1");
    await govc("vm.change", "-vm", VM_PATH, "-e", `SET.guest.hostName=${HOST_NAME}`, "-e", `SET.guest.ipAddress=${IP}`);
    [vm] = await govcVm(VM_PATH);
    dc = await findByInventoryPath(s, "/DC0", { type: "Datacenter" });
  });

  afterAll(async () => {
    await govc?.("vm.destroy", VM_PATH).catch(() => {});
    await govc?.("object.destroy", FOLDER).catch(() => {});
    await s?.close();
  });

  it("finds a VM by BIOS UUID, in every datacenter or in one, as govc does", async () => {
    expect(vm.guest.hostName).toBe(HOST_NAME);
    expect(await findByUuid(s, vm.config.uuid)).toEqual(vm.self);
    expect(await findByUuid(s, vm.config.uuid, { datacenter: dc })).toEqual(vm.self);
    expect(await findAllByUuid(s, vm.config.uuid)).toEqual([vm.self]);
    const [viaGovc] = await govcVm("-vm.uuid", vm.config.uuid);
    expect(viaGovc?.self).toEqual(vm.self);
  });

  it("finds every model VM by its own UUID", async () => {
    const paths = (await govc("find", "/DC0/vm", "-type", "m")).split("\n").filter((l) => l !== "");
    expect(paths.length).toBeGreaterThan(1);
    for (const info of await govcVm(...paths)) {
      expect(await findByUuid(s, info.config.uuid)).toEqual(info.self);
    }
  });

  it("finds a VM by instance UUID only when asked to", async () => {
    expect(await findByUuid(s, vm.config.instanceUuid, { instanceUuid: true })).toEqual(vm.self);
    expect(await findAllByUuid(s, vm.config.instanceUuid, { instanceUuid: true })).toEqual([vm.self]);
    expect(await findByUuid(s, vm.config.instanceUuid)).toBeUndefined();
    expect(await findByUuid(s, vm.config.uuid, { instanceUuid: true })).toBeUndefined();
  });

  it("answers a positive nothing for an unknown UUID", async () => {
    expect(await findByUuid(s, UNKNOWN_UUID)).toBeUndefined();
    expect(await findAllByUuid(s, UNKNOWN_UUID)).toEqual([]);
    expect(await govcVm("-vm.uuid", UNKNOWN_UUID).catch(() => [])).toEqual([]);
  });

  it("finds hosts by hardware UUID when vmSearch is false", async () => {
    const paths = (await govc("find", "/DC0/host", "-type", "h")).split("\n").filter((l) => l !== "");
    const hosts =
      (await govc.json<{ hostSystems: GovcHost[] | null }>("host.info", "-json", ...paths)).hostSystems ?? [];
    expect(hosts.length).toBeGreaterThan(0);
    const uuid = hosts[0].summary.hardware.uuid;
    const expected = hosts.filter((h) => h.summary.hardware.uuid === uuid).map((h) => h.self.value);
    const found = await findAllByUuid(s, uuid, { vmSearch: false });
    expect(found.map((r) => r.value).sort()).toEqual(expected.sort());
    expect(found.every((r) => r.type === "HostSystem")).toBe(true);
    expect(expected).toContain((await findByUuid(s, uuid, { vmSearch: false }))?.value);
    expect(await findByUuid(s, uuid)).toBeUndefined(); // a host's UUID is no VM's
  });

  it("finds a VM by the DNS name its guest reports, as govc does", async () => {
    expect(await findAllByDnsName(s, HOST_NAME)).toEqual([vm.self]);
    expect(await findAllByDnsName(s, HOST_NAME, { datacenter: dc })).toEqual([vm.self]);
    expect(await findByDnsName(s, HOST_NAME)).toEqual(vm.self);
    const [viaGovc] = await govcVm("-vm.dns", HOST_NAME);
    expect(viaGovc?.self).toEqual(vm.self);
    expect(await findAllByDnsName(s, `missing.${HOST_NAME}`)).toEqual([]);
    expect(await findByDnsName(s, `missing.${HOST_NAME}`)).toBeUndefined();
  });

  it("finds a VM by the IP its guest reports, as govc does", async () => {
    expect(vm.guest.ipAddress).toBe(IP);
    expect(await findAllByIp(s, IP)).toEqual([vm.self]);
    expect(await findByIp(s, IP)).toEqual(vm.self);
    expect(await findByIp(s, IP, { datacenter: dc })).toEqual(vm.self);
    const [viaGovc] = await govcVm("-vm.ip", IP);
    expect(viaGovc?.self).toEqual(vm.self);
    expect(await findAllByIp(s, "203.0.113.254")).toEqual([]);
    expect(await findByIp(s, "203.0.113.254")).toBeUndefined();
  });
});
