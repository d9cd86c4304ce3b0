// Issue #12, the direct lookup a Node deletion needs (controller/lifecycle/proof.ts), against the
// shared vcsim: a VM found by BIOS UUID, instance UUID and the byte-swapped forms, in any
// datacenter; a UUID no VM has proves absent; a vCenter that cannot answer proves nothing.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, vcsimSession } from "../env/context.js";
import { govcFor } from "../env/govc.js";
import { startTcpProxy, type TcpProxy } from "../env/proxy.js";
import { confirmAbsent } from "../../controller/lifecycle/proof.js";
import { swapUuid } from "../../controller/cloud/uuid.js";
import { VsphereSession } from "../../vsphere/session.js";

describe("confirmAbsent: SearchIndex.FindByUuid on every vCenter", () => {
  let s: VsphereSession;
  let vm: { path: string; uuid: string; instanceUuid: string };
  let hung: TcpProxy;

  beforeAll(async () => {
    const { vcsim, env } = engines();
    s = await vcsimSession(vcsim);
    hung = await startTcpProxy(vcsim.port, "hang");
    const govc = govcFor({ ...env, GOVC_URL: vcsim.url });
    const path = (await govc("find", "/", "-type", "m")).trim().split("\n").sort()[0];
    const info = await govc.json<{ virtualMachines: { config: { uuid: string; instanceUuid: string } }[] }>(
      "vm.info",
      "-json",
      path,
    );
    const { uuid, instanceUuid } = info.virtualMachines[0].config;
    vm = { path, uuid, instanceUuid };
  });
  afterAll(async () => {
    await s?.close();
    await hung?.close();
  });

  const signal = () => AbortSignal.timeout(30_000);

  it.each([
    ["its BIOS UUID", () => vm.uuid],
    ["its BIOS UUID byte-swapped", () => swapUuid(vm.uuid.toLowerCase())],
    ["its instance UUID", () => vm.instanceUuid],
    ["its instance UUID byte-swapped", () => swapUuid(vm.instanceUuid.toLowerCase())],
  ])("finds an existing VM by %s: not absent", async (_what, uuid) => {
    const proof = await confirmAbsent([{ name: "vc1", session: s }], uuid().toLowerCase(), signal());
    expect(proof.absent).toBe(false);
    if (!proof.absent) expect(proof.reason).toMatch(/^vCenter vc1 still has the VM: VirtualMachine:vm-\d+/);
  });

  it("proves a UUID no VM has absent, saying what it checked", async () => {
    const uuid = randomUUID();
    expect(await confirmAbsent([{ name: "vc1", session: s }], uuid, signal())).toEqual({
      absent: true,
      checked: `SearchIndex.FindByUuid on vCenter vc1 (BIOS and instance UUID, both byte orders, all datacenters) found no VM ${uuid}`,
    });
  });

  it("proves nothing when one of the vCenters does not answer, within its deadline", async () => {
    const { vcsim } = engines();
    const silent = new VsphereSession({
      host: vcsim.host,
      port: hung.port,
      tls: { caFile: vcsim.caFile },
      credentials: () => ({ username: vcsim.username, password: vcsim.password }),
    });
    try {
      const t0 = Date.now();
      const proof = await confirmAbsent(
        [
          { name: "vc1", session: s },
          { name: "vc2", session: silent },
        ],
        randomUUID(),
        signal(),
      );
      expect(proof.absent).toBe(false);
      if (!proof.absent) expect(proof.reason).toMatch(/not proven: vCenter vc2: TransportError/);
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      await silent.close();
    }
  });
});
