import { describe, expect, it } from "vitest";
import { guestOsName, instanceType } from "./instance-type.js";

describe("instanceType", () => {
  const vm = (numCpu: number | undefined, memoryMB: number | undefined, guestId?: string) => ({
    name: "node-a",
    numCpu,
    memoryMB,
    guestId,
  });

  it.each([
    [vm(2, 4096, "ubuntu64Guest"), "vsphere-vm.cpu-2.mem-4gb.os-ubuntu"],
    [vm(2, 4095, "ubuntu64Guest"), "vsphere-vm.cpu-2.mem-3gb.os-ubuntu"],
    [vm(1, 1536, "centos7_64Guest"), "vsphere-vm.cpu-1.mem-1gb.os-centos7"],
    [vm(1, 1023, "otherGuest64"), "vsphere-vm.cpu-1.mem-0gb.os-other"],
    [vm(16, 65536, "vmwarePhoton64Guest"), "vsphere-vm.cpu-16.mem-64gb.os-photon"],
    [vm(4, 8192, "windows9Server64Guest"), "vsphere-vm.cpu-4.mem-8gb.os-win10server"],
    [vm(4, 8192, "rhel9_64Guest"), "vsphere-vm.cpu-4.mem-8gb.os-rhel9"],
    [vm(4, 8192, "eComStation2Guest"), "vsphere-vm.cpu-4.mem-8gb.os-eComStation2"],
    [vm(4, 8192, "ubuntu64GuestNext"), "vsphere-vm.cpu-4.mem-8gb.os-unknown"],
    [vm(4, 8192, undefined), "vsphere-vm.cpu-4.mem-8gb.os-unknown"],
  ])("%j -> %s", (v, out) => {
    expect(instanceType(v)).toEqual({ instanceType: out });
  });

  it("waits for the hardware to be read", () => {
    expect(instanceType(vm(undefined, 4096))).toEqual({
      reason: "VM node-a: CPU and memory not known yet (config.hardware not read)",
    });
  });

  it("does not mistake object prototype keys for guest ids", () => {
    expect(guestOsName("constructor")).toBe("unknown");
    expect(guestOsName("toString")).toBe("unknown");
  });
});
