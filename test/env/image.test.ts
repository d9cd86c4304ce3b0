// The local CCM image agrees with controller/Dockerfile, the release recipe: the test reads the
// Dockerfile's text on its own (not through the builder's parser) and the built archive's config
// and layer, so neither can drift from the other unnoticed.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { finalStage } from "./dockerfile.js";
import { buildCcmImage, DOCKERFILE, readOciArchive } from "./image.js";

/** The last value of a Dockerfile instruction, read straight from the text. */
function last(text: string, keyword: string): string {
  const all = [...text.matchAll(new RegExp(`^${keyword}\\s+(.+)$`, "gm"))];
  if (all.length === 0) throw new Error(`no ${keyword} in the Dockerfile`);
  return all[all.length - 1][1].trim();
}

describe("the local CCM image", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("has the Dockerfile's entrypoint, cmd, user, workdir, env, port and files", async () => {
    const text = await readFile(DOCKERFILE, "utf8");
    dir = await mkdtemp(join(tmpdir(), "ccm-image-"));
    await buildCcmImage(dir, join(dir, "ccm.tar"));
    const { config, files } = await readOciArchive(join(dir, "ccm.tar"));
    expect(config.config.Entrypoint).toEqual(JSON.parse(last(text, "ENTRYPOINT")));
    expect(config.config.Cmd).toEqual(JSON.parse(last(text, "CMD")));
    expect(config.config.User).toBe(last(text, "USER"));
    expect(config.config.WorkingDir).toBe(last(text, "WORKDIR"));
    expect(config.config.Env).toContain(last(text, "ENV"));
    expect(Object.keys(config.config.ExposedPorts ?? {})).toEqual([`${last(text, "EXPOSE")}/tcp`]);
    // What the final stage copies, and nothing of the checkout besides.
    expect(files).toEqual(
      expect.arrayContaining([
        "/app/package.json",
        "/app/bin/vsphere-cloud-controller-manager.js",
        "/app/dist/controller/main.js",
      ]),
    );
    expect(
      files.filter((f) => f.startsWith("/app/")).every((f) => /^\/app\/(package\.json|bin|dist)(\/|$)/.test(f)),
    ).toBe(true);
    expect(files).not.toContainEqual(expect.stringMatching(/node_modules/));
    // `node` is where the entrypoint finds it on the image's PATH, as in the node base image.
    expect(files).toContain("/usr/local/bin/node");
    expect(config.config.Env).toContainEqual(expect.stringMatching(/^PATH=.*\/usr\/local\/bin/));
  }, 120_000);

  it("reads the final stage only, with destinations resolved against WORKDIR", () => {
    const stage = finalStage(
      'FROM a AS build\nWORKDIR /src\nCOPY x y ./\nUSER 1\nFROM b\nWORKDIR /app\nCOPY --from=build /src/y ./\nCOPY bin ./bin\nENTRYPOINT ["n"]\n',
    );
    expect(stage).toMatchObject({
      base: "b",
      workdir: "/app",
      entrypoint: ["n"],
      copies: [
        { from: "build", src: "/src/y", dest: "/app/y" },
        { src: "bin", dest: "/app/bin" },
      ],
    });
    expect(stage.user).toBeUndefined();
    expect(() => finalStage("FROM a\nCMD node app.js\n")).toThrow(/CMD: use the JSON \(exec\) form/);
  });
});
