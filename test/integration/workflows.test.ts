// The GitHub Actions workflows are linted with actionlint (built from its Go module like the
// other engines): CI, the pull-request `pulumi preview`, and the image release.
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { engine } from "../env/catalog.js";
import { engineBinDir } from "../env/install.js";
import { REPO_ROOT } from "../env/paths.js";

const run = promisify(execFile);
const actionlint = join(engineBinDir(engine("actionlint")), "actionlint");

/** Lints the workflow files of `root` (named explicitly: actionlint's own discovery needs a git checkout). */
async function lint(root: string): Promise<{ code: number; out: string; files: string[] }> {
  const dir = join(root, ".github", "workflows");
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
  try {
    const { stdout } = await run(actionlint, ["-no-color", "-oneline", ...files], { cwd: root });
    return { code: 0, out: stdout, files };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}`, files };
  }
}

describe("GitHub workflows", () => {
  it("pass actionlint", async () => {
    const r = await lint(REPO_ROOT);
    expect(r.files.map((f) => f.split("/").pop()).sort()).toEqual(["ci.yml", "preview.yml", "release.yml"]);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("actionlint rejects a broken workflow (control)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "actionlint-"));
    try {
      await mkdir(join(dir, ".github", "workflows"), { recursive: true });
      await writeFile(
        join(dir, ".github", "workflows", "bad.yml"),
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n",
      );
      const r = await lint(dir);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/bad\.yml/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
