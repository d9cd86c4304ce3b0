// The `check` handler around a resource's `verify`: vCenter is asked only when there is
// something to ask, its "no" becomes check failures, and anything that keeps it from answering
// becomes one warning (never a failure). The resource operations here are plain stubs.
import { describe, expect, it } from "vitest";
import type { ConfigSource } from "./connection.js";
import { providerHandlers, type ResourceOps, type VcenterCheck } from "./handlers.js";
import type { CheckFailure } from "./inputs.js";

interface In {
  name: string;
}

const settings: Record<string, string> = {
  "vsphere:server": "vc.invalid",
  "vsphere:user": "admin@vsphere.local",
  "vsphere:password": "pw-4711",
};
const configured: ConfigSource = { get: (k) => settings[k] };
const unconfigured: ConfigSource = { get: () => undefined };

function handlersWith(verify: ResourceOps<In, In>["verify"], check = (news: Record<string, unknown>) => news) {
  const lines: string[] = [];
  const ops: ResourceOps<In, In> = {
    check: (news) => {
      const name = check(news).name;
      const failures: CheckFailure[] = typeof name === "string" ? [] : [{ property: "name", reason: "required" }];
      return { inputs: { name: String(name) }, failures };
    },
    verify,
    diff: () => ({ changes: false, replaces: [] }),
    create: () => Promise.reject(new Error("not here")),
    read: () => Promise.reject(new Error("not here")),
    update: () => Promise.reject(new Error("not here")),
    delete: () => Promise.reject(new Error("not here")),
  };
  return { h: providerHandlers(ops, (l) => lines.push(l)), lines };
}

const asking = (ask: VcenterCheck["ask"]): VcenterCheck => ({ subject: 'user "u" exists', ask });

describe("check with verify", () => {
  it("asks nothing (and needs no settings) when verify has nothing to ask or check already failed", async () => {
    let asked = 0;
    const { h, lines } = handlersWith((inputs) =>
      inputs.name === "same"
        ? undefined
        : asking(() => {
            asked++;
            return Promise.resolve([]);
          }),
    );
    expect(await h.check(unconfigured, {}, { name: "same" })).toEqual({ inputs: { name: "same" }, failures: [] });
    expect((await h.check(configured, {}, {})).failures).toEqual([{ property: "name", reason: "required" }]);
    expect(asked).toBe(0);
    expect(lines).toEqual([]);
  });

  it("returns vCenter's no as failures and its yes as none", async () => {
    const { h, lines } = handlersWith((inputs) =>
      asking(() => Promise.resolve(inputs.name === "ghost" ? [{ property: "name", reason: "does not exist" }] : [])),
    );
    expect(await h.check(configured, {}, { name: "ghost" })).toEqual({
      inputs: { name: "ghost" },
      failures: [{ property: "name", reason: "does not exist" }],
    });
    expect((await h.check(configured, {}, { name: "real" })).failures).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("turns 'could not ask' into one warning per cause and passes the check", async () => {
    const { h, lines } = handlersWith(() => asking(() => Promise.reject(new Error("vCenter vc:443 unreachable"))));
    for (let i = 0; i < 2; i++)
      expect(await h.check(configured, {}, { name: "x" })).toEqual({ inputs: { name: "x" }, failures: [] });
    expect(lines).toEqual([
      'warning: could not check in vCenter that user "u" exists (vCenter vc:443 unreachable); continuing without that check\n',
    ]);

    // Missing settings are a cause too: named by key, on one line, never the password.
    await h.check(unconfigured, {}, { name: "x" });
    expect(lines[1]).toMatch(
      /^warning: could not check in vCenter that user "u" exists \(vCenter connection settings: vsphere:server is not set: .*; vsphere:user is not set: .*\); continuing without that check\n$/,
    );
    expect(lines.join("")).not.toContain("pw-4711");
  });
});
