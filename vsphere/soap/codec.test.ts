// decode() output must not keep the SOAP reply it was parsed from alive. Checked the way it
// matters: in a process of its own with --expose-gc, decoded values taken as substrings of a
// 40 MB reply are kept and the reply dropped; after a full GC the heap must have let the reply go.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { decode } from "./codec.js";

const run = promisify(execFile);
const CODEC = fileURLToPath(new URL("./codec.ts", import.meta.url));

/** Heap used (MB) after a full GC, with values decoded from substrings of a big reply kept. */
async function heapAfterDrop(decodeValues: boolean): Promise<number> {
  const script = `
    const { decode } = await import(${JSON.stringify(CODEC)});
    // One flat 40 MB string, like a reply body, and values cut out of it as the XML parser does.
    // (In a function: the module's top level would keep the temporary alive by itself.)
    function parse() {
      const body = "<r>" + Array.from({ length: 400000 }, (_, i) => "vm-name-0000000000-" + String(i).padStart(8, "0") + "-" + "x".repeat(70)).join("|") + "</r>";
      const reply = (" " + body).substring(1);
      const kept = [];
      for (let i = 0; i < 1000; i++) {
        const at = 3 + i * 97;
        const name = reply.substring(at, at + 27);
        const node = { attributes: { "xsi:type": "xsd:string" }, $value: name };
        const ref = { attributes: { type: reply.substring(at, at + 14) }, $value: name };
        kept.push(${decodeValues} ? [decode(node), decode(ref), decode(name)] : [name]);
      }
      return kept;
    }
    const kept = parse();
    globalThis.gc(); globalThis.gc();
    process.stdout.write(JSON.stringify({ mb: process.memoryUsage().heapUsed / 1e6, n: kept.length }));
  `;
  const { stdout } = await run(process.execPath, [
    "--expose-gc",
    "--import",
    "tsx",
    "--input-type=module",
    "-e",
    script,
  ]);
  return (JSON.parse(stdout) as { mb: number }).mb;
}

describe("decode", () => {
  it("returns plain data with MoRefs and typed scalars", () => {
    expect(decode({ attributes: { type: "VirtualMachine" }, $value: "vm-42" })).toEqual({
      type: "VirtualMachine",
      value: "vm-42",
    });
    expect(decode({ attributes: { "xsi:type": "xsd:int" }, $value: "7" })).toBe(7);
    expect(decode({ attributes: { "xsi:type": "xsd:boolean" }, $value: "true" })).toBe(true);
    expect(decode("a name longer than thirteen characters")).toBe("a name longer than thirteen characters");
  });

  it("keeps no decoded string tied to the reply it was cut from", async () => {
    const [raw, decoded] = await Promise.all([heapAfterDrop(false), heapAfterDrop(true)]);
    // Positive control: raw substrings keep the 40 MB reply alive.
    expect(raw).toBeGreaterThan(40);
    expect(decoded).toBeLessThan(20);
  });
});
