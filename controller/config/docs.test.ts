// docs/configuration.md is the reference: it must name every key and variable the code knows,
// and its examples must do what it says.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./load.js";
import { FIELDS, IGNORED_KEYS, IGNORED_SECTIONS } from "./schema.js";
import { migrateIni } from "./write.js";

const DOC = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");

/** The fenced blocks of a language under a heading, in order. */
function blocks(heading: string, lang: string): string[] {
  const start = DOC.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const level = heading.split(" ")[0];
  const next = DOC.slice(start + heading.length + 2).search(new RegExp(`\\n${level} `));
  const part = DOC.slice(start, next < 0 ? undefined : start + heading.length + 2 + next);
  return [...part.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

describe("docs/configuration.md", () => {
  it.each(FIELDS.map((f) => [f.name, f]))("documents %s in both formats and its variables", (_, field) => {
    expect(DOC).toContain(`\`${field.yaml}\``);
    expect(DOC).toContain(`\`${field.ini}\``);
    if (field.env) expect(DOC).toContain(`\`${field.env}\``);
    if (field.vcenterEnv) expect(DOC).toContain(`\`VCENTER_<id>_${field.vcenterEnv}\``);
  });

  it("documents every section and key it ignores", () => {
    for (const section of Object.keys(IGNORED_SECTIONS)) expect(DOC.toLowerCase()).toContain(`[${section}`);
    for (const key of Object.keys(IGNORED_KEYS)) expect(DOC.toLowerCase()).toContain(key);
  });

  it("has a minimal example that loads the same in YAML and INI", () => {
    const [yaml] = blocks("### Minimal", "yaml");
    const [ini] = blocks("### Minimal", "ini");
    const fromYaml = loadConfig(yaml).config;
    expect(Object.keys(fromYaml.vcenter)).toEqual(["vc.example.com"]);
    // The YAML names the server in global, the INI in a section: the vCenter entries are the same.
    expect(loadConfig(ini).config.vcenter).toEqual(fromYaml.vcenter);
  });

  it("has a multi-vCenter example that loads as described", () => {
    const [yaml] = blocks("### Several vCenters, zones and address selection", "yaml");
    const { config, warnings, ignored } = loadConfig(yaml, {});
    expect([warnings, ignored]).toEqual([[], []]);
    expect(Object.keys(config.vcenter)).toEqual(["engineering", "finance", "lab"]);
    expect(config.vcenter.finance.credentials).toMatchObject({ name: "cpi-global-secret" });
    expect(config.vcenter.lab).toMatchObject({ insecureFlag: true, ipFamily: ["ipv6"] });
  });

  it("shows migrate-config's real output", () => {
    const [ini] = blocks("## Migrating from INI", "ini");
    const [yaml] = blocks("## Migrating from INI", "yaml");
    const result = migrateIni(ini);
    expect(result.yaml).toBe(yaml);
    expect(result.dropped.map((d) => d.key)).toEqual(["[Global] working-dir (line 6)", "[Workspace] (line 10)"]);
    expect(result.warnings.map((w) => w.key)).toEqual(["[Global] datacenter (line 5)"]);
  });
});
