import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { vcenterProvider } from "./provider.js";

const run = promisify(execFile);
const REPO_ROOT = join(import.meta.dirname, "..", "..");

describe("vcenterProvider", () => {
  it("imports its module by package name and delegates to it", async () => {
    const provider = vcenterProvider("role-ops");
    await expect(provider.check?.({}, { name: "r", privileges: ["System.Read", "Datastore.Browse"] })).resolves.toEqual(
      { inputs: { name: "r", privileges: ["Datastore.Browse"] }, failures: [] },
    );
    await expect(provider.diff?.("1", { name: "r", privileges: [] }, { name: "r", privileges: [] })).resolves.toEqual({
      changes: false,
      replaces: [],
    });
  });

  it("keeps the configuration it is given and uses it for CRUD, before any connection", async () => {
    const provider = vcenterProvider("folder-ops");
    const get = (key: string) => (key === "vsphere:server" ? "http://vc.invalid" : undefined);
    await provider.configure?.({ config: { get, require: () => "" } });
    // The configured server is refused before any I/O, and the message names the key.
    await expect(provider.read?.("group-v1", { datacenter: "DC0", path: "x" })).rejects.toThrow(
      /vsphere:server "http:\/\/vc.invalid": expected a host name/,
    );
  });

  it("serializes to code that captures only the module specifier", async () => {
    // Under tsx, as the Pulumi program runs (vitest rewrites dynamic imports into its own loader,
    // which Pulumi cannot serialize, so this runs in a child process).
    const script = [
      'import * as pulumi from "@pulumi/pulumi";',
      'import { vcenterProvider } from "./components/vcenter/provider.ts";',
      'const provider = vcenterProvider("tag-ops");',
      "const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });",
      "process.stdout.write(sf.text);",
    ].join("\n");
    const { stdout: text } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
    });
    expect(text).toContain('specifier: "vsphere-cloud-provider/components/vcenter/tag-ops"');
    for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"])
      expect(text).toContain(`/*${method}*/`);
    expect(text).not.toMatch(/require\(|vsphere\/session|@pulumi\/pulumi/);
  });
});
