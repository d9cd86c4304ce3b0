import { describe, expect, it } from "vitest";
import { parseRenderArgs } from "./cli-args.js";

describe("parseRenderArgs", () => {
  it("fills the defaults from the stack name", () => {
    expect(parseRenderArgs(["--stack", "prod"], "/repo")).toEqual({
      stack: "prod",
      configFile: "/repo/stacks/Pulumi.prod.yaml",
      out: "/repo/manifests/prod",
      secretValues: "placeholder",
      sealWith: undefined,
    });
  });

  it("takes every flag, as `--flag value` or `--flag=value`", () => {
    expect(
      parseRenderArgs(
        ["--stack=prod", "--out", "/o", "--config-file=/c.yaml", "--seal-with", "kubeseal --format yaml"],
        "/repo",
      ),
    ).toEqual({
      stack: "prod",
      configFile: "/c.yaml",
      out: "/o",
      secretValues: "placeholder",
      sealWith: "kubeseal --format yaml",
    });
    expect(parseRenderArgs(["--stack", "s", "--secret-values", "plain"], "/r").secretValues).toBe("plain");
  });

  it("reports every problem at once, with the usage", () => {
    const err = (() => {
      try {
        parseRenderArgs(["--out", "--bogus", "--secret-values", "clear"], "/r");
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(err.split("\n\n")[0].split("\n")).toEqual([
      "--out: needs a value",
      "--bogus: unknown argument",
      "--stack: required, the stack to render (stacks/Pulumi.<stack>.yaml)",
      '--secret-values: "clear" is not placeholder or plain',
    ]);
    expect(err).toContain("usage: npm run render -- --stack <name>");
  });

  it("refuses sealing and plain values together", () => {
    expect(() => parseRenderArgs(["--stack", "s", "--secret-values", "plain", "--seal-with", "x"], "/r")).toThrow(
      "--seal-with: drop --secret-values plain",
    );
  });
});
