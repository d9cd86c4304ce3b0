import { describe, expect, it } from "vitest";
import { ENGINES } from "./catalog.js";
import { selectEngines } from "./install.js";

describe("which engines an install builds", () => {
  const names = (o: Parameters<typeof selectEngines>[0]) => selectEngines(o).map((e) => e.name);

  it("npm test's install (no options) builds every test engine and never the bench-only baseline", () => {
    expect(names({})).not.toContain("cloud-provider-vsphere");
    expect(names({})).toEqual(ENGINES.filter((e) => !e.benchOnly).map((e) => e.name));
    expect(names({})).toContain("govmomi");
  });

  it("--bench adds it; naming it builds it alone", () => {
    expect(names({ bench: true })).toContain("cloud-provider-vsphere");
    expect(names({ bench: true })).toHaveLength(ENGINES.length);
    expect(names({ only: ["cloud-provider-vsphere"] })).toEqual(["cloud-provider-vsphere"]);
  });
});
