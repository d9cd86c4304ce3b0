// Our vcsim's PropertyCollector (test/env/go/govmomi/vcsim/collector.go) is part of the vCenter
// engine every engine test talks to: its own Go test (400 busy VMs under Reconfig churn: a long
// poll answers at maxWaitSeconds, a change arrives alone with its values, enter/leave/remove,
// paging, cancel) runs with npm test, with the same Go settings the engine build uses.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GO_WRAPPERS } from "./paths.js";

describe("vcsim's incremental PropertyCollector", () => {
  it("passes its Go test (go test ./vcsim)", async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn("go", ["test", "-count=1", "./vcsim"], {
        cwd: join(GO_WRAPPERS, "govmomi"),
        env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false", GOWORK: "off" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.once("error", reject);
      child.once("close", (c) => resolve({ code: c, output: out }));
    });
    expect(output).toMatch(/^ok\s+\S+\/vcsim\b/m);
    expect(code, output).toBe(0);
  }, 240_000);
});
