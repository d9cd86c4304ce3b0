// docs/module-format.md: the Pulumi program never imports @kubernetes/client-node (ESM-only, and
// the controller's business). This component reuses controller/config, flags and constants, so
// walk its static import graph and check that nothing on it reaches the Kubernetes client.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const IMPORT = /^\s*(?:import|export)\b[^"';]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;

/** Every package the module at `entry` loads, directly or through relative imports (type-only ones left out). */
function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      if (/^\s*(?:import|export)\s+type\b/.test(m[0])) continue;
      const spec = m[1] ?? m[2];
      if (spec.startsWith(".")) {
        if (!spec.endsWith(".json")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      } else packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

describe("the component's imports", () => {
  it("never reach @kubernetes/client-node", () => {
    const entry = fileURLToPath(new URL("./cloud-controller-manager.ts", import.meta.url));
    const packages = packagesReachedFrom(entry);
    expect(packages).toContain("@pulumi/kubernetes");
    expect(packages).toContain("yaml");
    expect([...packages].filter((p) => p.startsWith("@kubernetes/"))).toEqual([]);
  });

  it("are walked far enough to see the client where the controller uses it", () => {
    const main = fileURLToPath(new URL("../../controller/main.ts", import.meta.url));
    expect(packagesReachedFrom(main)).toContain("@kubernetes/client-node");
  });
});
