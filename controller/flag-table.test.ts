import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FLAG_TABLE, type FlagRow } from "./flag-table.js";
import { defaultFlags, parseFlags } from "./flags.js";

/** The table of docs/flags.md: name, section and treatment of every row. */
function documented(): Record<keyof FlagRow, string>[] {
  const text = readFileSync(new URL("../docs/flags.md", import.meta.url), "utf8");
  return text
    .split("\n")
    .filter((l) => l.startsWith("| `--"))
    .map((l) => {
      const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
      return {
        name: cells[1].replace(/^`--|`$/g, ""),
        kind: cells[2],
        section: cells[3],
        upstreamDefault: cells[4].replace(/^`|`$/g, ""),
        treatment: cells[5],
        note: cells[6],
      };
    });
}

/** A valid value of the row's kind (what a manifest would pass). */
const SAMPLE: Record<FlagRow["kind"], string> = {
  string: "x",
  int: "3",
  float: "2.5",
  bool: "true",
  duration: "1m30s",
  list: "a,b",
  map: "a=b",
};
const SPECIAL: Record<string, string> = {
  "cloud-provider": "vsphere",
  controllers: "*,-route",
  "leader-elect-resource-lock": "leases",
  "tls-min-version": "VersionTLS12",
  "tls-cipher-suites": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "tls-curve-preferences": "23,29",
  "tls-sni-cert-key": "a.crt,a.key:example.com",
  "node-labels": "example.com/team=a,tier=",
  "feature-gates": "AllAlpha=false",
  "tag-refresh-period": "10m",
  "leader-elect": "false",
};
/** Flags whose only valid value is their default: nothing to change. */
const ONLY_DEFAULT = new Set(["cloud-provider", "leader-elect-resource-lock"]);
const sample = (r: FlagRow) => SPECIAL[r.name] ?? SAMPLE[r.kind];

describe("the flag table", () => {
  it("is the table of docs/flags.md, row for row", () => {
    expect(documented()).toEqual(FLAG_TABLE);
  });

  it("lists each of upstream's 81 --help flags once, plus 5 hidden ones and 2 of ours", () => {
    const names = FLAG_TABLE.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(FLAG_TABLE.filter((r) => r.section !== "hidden" && r.section !== "ours")).toHaveLength(81);
    expect(FLAG_TABLE.filter((r) => r.section === "hidden")).toHaveLength(5);
    expect(FLAG_TABLE.filter((r) => r.treatment === "ours")).toHaveLength(2);
  });

  it.each(documented().map((d) => [d.name]))("--%s parses in both forms", (name) => {
    const r = FLAG_TABLE.find((x) => x.name === name) as FlagRow;
    const v = sample(r);
    const a = parseFlags([`--${name}=${v}`]);
    const b = parseFlags(r.kind === "bool" || name === "version" ? [`--${name}`] : [`--${name}`, v]);
    expect(a.args).toEqual([]);
    expect(b.args).toEqual([]);
    // An ignored flag is reported once; a flag with meaning is not.
    expect(a.flags.ignored).toEqual(r.treatment === "ignored" ? [name] : []);
    // A flag with meaning changes something (help and version only set their switch).
    if (r.treatment !== "ignored" && !ONLY_DEFAULT.has(name)) expect(a.flags).not.toEqual(defaultFlags());
  });

  it("checks the kind of an ignored flag's value, as pflag does", () => {
    expect(() => parseFlags(["--profiling=maybe"])).toThrow("--profiling=maybe: expected true or false");
    expect(() => parseFlags(["--min-resync-period=soon"])).toThrow("--min-resync-period=soon: expected a duration");
    expect(() => parseFlags(["--concurrent-service-syncs=two"])).toThrow("expected a whole number");
  });
});
