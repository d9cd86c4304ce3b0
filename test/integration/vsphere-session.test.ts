// The SOAP session and the PropertyCollector against vcsim.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, vcsimSession } from "../env/context.js";
import { VsphereSession } from "../../vsphere/session.js";
import { createContainerView, destroyView, retrieveProperties, watch } from "../../vsphere/property.js";
import { InvalidLoginFault } from "../../vsphere/errors.js";

describe("vSphere SOAP session", () => {
  let s: VsphereSession;
  beforeAll(async () => {
    const { vcsim } = engines();
    s = await vcsimSession(vcsim);
  });
  afterAll(() => s?.close());

  it("logs in and reads the service content", () => {
    expect(s.serviceContent.about.apiType).toBe("VirtualCenter");
    expect(s.userName).toBe(engines().vcsim.username);
  });

  it("rejects a wrong password with a typed InvalidLogin fault", async () => {
    const { vcsim } = engines();
    const err = await VsphereSession.connect({
      host: vcsim.host,
      port: vcsim.port,
      tls: { caFile: vcsim.caFile },
      credentials: () => ({ username: vcsim.username, password: "wrong" }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidLoginFault);
    expect(String(err)).not.toContain("wrong");
  });

  it("logs in at once with what the credential source offers after a rejection, never twice with one pair", async () => {
    const { vcsim } = engines();
    const opts = { host: vcsim.host, port: vcsim.port, tls: { caFile: vcsim.caFile } };
    const wrong = { username: vcsim.username, password: "wrong" };
    const rejected: string[] = [];
    const falling = new VsphereSession({
      ...opts,
      credentials: (attempt) => {
        if (!attempt) return wrong;
        rejected.push(attempt.rejected.password);
        return { username: vcsim.username, password: vcsim.password };
      },
    });
    await falling.login();
    expect(falling.userName).toBe(vcsim.username);
    expect(rejected).toEqual(["wrong"]);
    expect(falling.stats.snapshot()["soap:Login"]).toMatchObject({ calls: 2, errors: 1 });
    await falling.close();
    // Positive control: a source with nothing else to offer (the same pair again) gets one Login.
    const stuck = new VsphereSession({ ...opts, credentials: () => wrong });
    await expect(stuck.login()).rejects.toBeInstanceOf(InvalidLoginFault);
    expect(stuck.stats.snapshot()["soap:Login"]).toMatchObject({ calls: 1, errors: 1 });
    await stuck.close();
  });

  it("pages through VMs with maxObjects and counts one call per page", async () => {
    const view = await createContainerView(s, ["VirtualMachine"]);
    const before = s.stats.snapshot();
    const all = await retrieveProperties(s, {
      props: [{ type: "VirtualMachine", pathSet: ["name", "config.uuid"] }],
      source: { view },
    });
    const paged = await retrieveProperties(
      s,
      { props: [{ type: "VirtualMachine", pathSet: ["name", "config.uuid"] }], source: { view } },
      { maxObjects: 1 },
    );
    const after = s.stats.snapshot();
    expect(paged.map((o) => o.obj.value).sort()).toEqual(all.map((o) => o.obj.value).sort());
    expect(all.length).toBeGreaterThan(1);
    expect(after["soap:RetrievePropertiesEx"].calls - (before["soap:RetrievePropertiesEx"]?.calls ?? 0)).toBe(2);
    expect(
      after["soap:ContinueRetrievePropertiesEx"].calls - (before["soap:ContinueRetrievePropertiesEx"]?.calls ?? 0),
    ).toBe(all.length - 1);
    await destroyView(s, view);
  });

  it("delivers the initial state and then changes through WaitForUpdatesEx", async () => {
    const view = await createContainerView(s, ["VirtualMachine"]);
    const ac = new AbortController();
    const feed = watch(
      s,
      { props: [{ type: "VirtualMachine", pathSet: ["name", "runtime.powerState"] }], source: { view } },
      { maxWaitSeconds: 5, signal: ac.signal },
    );
    const first = await feed.next();
    if (first.done) throw new Error("feed ended before its first batch");
    expect(first.value.initial).toBe(true);
    expect(first.value.updates.every((u) => u.kind === "enter")).toBe(true);
    ac.abort();
    await feed.return(undefined);
    await destroyView(s, view);
  });

  it("follows truncated update sets until the initial state is complete", async () => {
    const view = await createContainerView(s, ["VirtualMachine"]);
    const all = await retrieveProperties(s, {
      props: [{ type: "VirtualMachine", pathSet: ["name"] }],
      source: { view },
    });
    const ac = new AbortController();
    const feed = watch(
      s,
      { props: [{ type: "VirtualMachine", pathSet: ["name"] }], source: { view } },
      { maxWaitSeconds: 5, maxObjectUpdates: 1, signal: ac.signal },
    );
    const seen: string[] = [];
    let batches = 0;
    for await (const b of feed) {
      batches++;
      seen.push(...b.updates.map((u) => u.obj.value));
      if (!b.truncated) break;
    }
    ac.abort();
    expect(batches).toBeGreaterThan(1);
    expect(seen.sort()).toEqual(all.map((o) => o.obj.value).sort());
    await destroyView(s, view);
  });
});
