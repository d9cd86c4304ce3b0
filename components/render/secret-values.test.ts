import { describe, expect, it } from "vitest";
import { fillSecret, placeholderFor, revealsSecret, seal, secretValues, withStringData } from "./secret-values.js";

const PASSWORD = "S3cret-pa55:word";
const P = placeholderFor("vsphere-ccm:ccmPassword");
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("placeholders", () => {
  it("name the config key they stand for", () => {
    expect(P).toBe("REPLACE-WITH-vsphere-ccm-ccmPassword");
  });

  it("are filled in data (base64) and stringData, whole values only", () => {
    const doc = {
      kind: "Secret",
      data: { "vc.password": b64(P), "vc.username": b64("u") },
      stringData: { other: P, partial: `x${P}` },
    };
    const filled = fillSecret(doc, new Map([[P, PASSWORD]]));
    expect(secretValues(filled)).toEqual({
      "vc.password": PASSWORD,
      "vc.username": "u",
      other: PASSWORD,
      partial: `x${P}`,
    });
    expect(secretValues(doc)["vc.password"]).toBe(P); // the input is not changed
  });

  it("are moved from base64 data to readable stringData", () => {
    const doc = { kind: "Secret", type: "Opaque", data: { "vc.password": b64(P), "vc.username": b64("u") } };
    expect(withStringData(doc)).toEqual({
      kind: "Secret",
      type: "Opaque",
      stringData: { "vc.password": P, "vc.username": "u" },
    });
    expect(withStringData({ kind: "Secret" })).toEqual({ kind: "Secret" });
  });
});

describe("seal", () => {
  const signal = AbortSignal.timeout(10_000);
  const input = `kind: Secret\nstringData:\n  p: ${PASSWORD}\n`;

  it("returns the command's output when it no longer holds the password", async () => {
    // A stand-in for kubeseal: replaces every value with a fixed token.
    const out = await seal(
      "sed -e 's/p: .*/p: AgB3sealed/' -e 's/kind: Secret/kind: SealedSecret/'",
      input,
      [PASSWORD],
      signal,
    );
    expect(out).toBe("kind: SealedSecret\nstringData:\n  p: AgB3sealed\n");
  });

  it("refuses output that still holds the password, in clear or base64 (positive control: cat leaks)", async () => {
    await expect(seal("cat", input, [PASSWORD], signal)).rejects.toThrow(
      "its output holds the password in plain text or base64; nothing was written",
    );
    await expect(seal(`echo 'p: ${b64(PASSWORD)}'`, input, [PASSWORD], signal)).rejects.toThrow("base64");
    expect(revealsSecret(`x${b64(PASSWORD)}`, PASSWORD)).toBe(true);
    expect(revealsSecret("AgB3sealed", PASSWORD)).toBe(false);
  });

  it("reports a failing command without repeating the password it echoed", async () => {
    const err = await seal("cat >&2; exit 3", input, [PASSWORD], signal).catch((e: Error) => e.message);
    expect(err).toMatch(/exited 3: \(its error output is withheld: it holds the password\)/);
    expect(err).not.toContain(PASSWORD);
    await expect(seal("echo no cert >&2; exit 1", input, [PASSWORD], signal)).rejects.toThrow("exited 1: no cert");
    await expect(seal("true", input, [PASSWORD], signal)).rejects.toThrow("its output is not YAML");
  });
});
