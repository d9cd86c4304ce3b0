// Format detection, and that no input crashes the loader: it returns a config or throws a
// ConfigError. fast-check runs seeded so failures reproduce.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { messageOf, SEED, UPSTREAM_INI, UPSTREAM_YAML } from "./fixtures.js";
import { detectFormat, loadConfig } from "./load.js";

describe("detectFormat", () => {
  it.each([
    ["[Global]\nuser = u", "ini"],
    ["; comment\n# comment\n\n  [Global] ; trailing\n", "ini"],
    ['[VirtualCenter "10.0.0.1"]\n', "ini"],
    ["[VirtualCenter 10.0.0.1]\n", "ini"],
    ["\uFEFF[Global]\n", "ini"],
    ["user = u\n", "ini"],
    ["global:\n  user: u\n", "yaml"],
    ["# comment\n---\nglobal: {}\n", "yaml"],
    ["{global: {server: vc}}", "yaml"],
    ["[a, b]\n", "yaml"],
    ["url: http://x=y\n", "yaml"],
    ["", undefined],
    ["\n  \n# only a comment\n; another\n", undefined],
  ])("%j is %s", (text, want) => {
    expect(detectFormat(text)).toBe(want);
  });
});

describe("loadConfig", () => {
  it("reads both upstream samples", () => {
    expect(loadConfig(UPSTREAM_YAML).format).toBe("yaml");
    expect(loadConfig(UPSTREAM_INI).format).toBe("ini");
  });

  it("says an empty file is empty", () => {
    expect(messageOf(() => loadConfig("# nothing yet\n"))).toMatch(/the cloud config: is empty/);
  });

  it("reports a YAML file's problems in YAML terms, not INI parser noise (upstream reports both)", () => {
    expect(messageOf(() => loadConfig("global:\n  server: vc\n  port: abc\n"))).toMatch(/global\.port \(line 3\)/);
  });
});

describe("loadConfig on malformed input", () => {
  const outcome = (text: string): "ok" | "config-error" => {
    try {
      loadConfig(text);
      return "ok";
    } catch (e) {
      if (e instanceof ConfigError) return "config-error";
      throw e;
    }
  };

  it("never crashes on arbitrary text", () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }));
    fc.assert(
      fc.property(text, (t) => {
        expect(["ok", "config-error"]).toContain(outcome(t));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("never crashes on mutated samples", () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('"', "[", "]", "\n", ":", "=", "\\", "*a", "&a", "<<: *a", "- ", "  ", "\t", "#", ";", "{", "}"),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(UPSTREAM_YAML, UPSTREAM_INI),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 8 }),
        junk,
        (base, at, cut, insert) => {
          const i = at % base.length;
          expect(["ok", "config-error"]).toContain(outcome(base.slice(0, i) + insert + base.slice(i + cut)));
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe("loadConfig: upstream's secrets directory rules (FromEnv)", () => {
  const text = "global:\n  server: vc\n";
  const only = (dirs: string[]) => (p: string) => dirs.includes(p);

  it("uses /etc/cloud/secrets when the config names none and it exists", () => {
    const { config, warnings } = loadConfig(text, {}, { exists: only(["/etc/cloud/secrets"]) });
    expect(config.vcenter.vc.credentials).toEqual({ kind: "directory", path: "/etc/cloud/secrets" });
    expect(warnings).toContainEqual({
      key: "global.secretsDirectory",
      message: "is not set and /etc/cloud/secrets exists, so credentials are read from it, as upstream",
    });
  });

  it("leaves it out when it does not exist (positive control: the config then needs credentials)", () => {
    expect(() => loadConfig(text, {}, { exists: only([]) })).toThrow("no credentials for vcenter.vc");
  });

  it("drops a named directory that does not exist, as upstream, and says so", () => {
    const named = "global:\n  server: vc\n  user: u\n  password: p\n  secretsDirectory: /missing\n";
    const { config, warnings } = loadConfig(named, {}, { exists: only(["/etc/cloud/secrets"]) });
    expect(config.vcenter.vc.credentials).toEqual({ kind: "config" });
    expect(warnings).toContainEqual({
      key: "global.secretsDirectory",
      message: "/missing does not exist, so it is not used (as upstream)",
    });
  });
});
