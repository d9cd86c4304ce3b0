// Container images for the local cluster, written as OCI archives (no registry, no Docker) and
// imported into each node's containerd with `ctr images import`:
// - the CCM image, derived from controller/Dockerfile's final stage: the same entrypoint, cmd,
//   user, workdir, env and files (/app/package.json, /app/bin, /app/dist from `npm run build`'s
//   bundler), on this machine's Node.js runtime in place of the `node:20-bookworm-slim` base
//   (its binary and the shared libraries it links, like a distroless image);
// - the sandbox ("pause") image: the static binary of test/env/go/pause.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, copyFile, cp, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { promisify } from "node:util";
import { buildBundle } from "../../controller/build.js";
import { engine } from "./catalog.js";
import { finalStage, type DockerfileStage } from "./dockerfile.js";
import { engineBinDir } from "./install.js";
import { REPO_ROOT } from "./paths.js";

const run = promisify(execFile);

export const DOCKERFILE = join(REPO_ROOT, "controller", "Dockerfile");
/** The local stack's image (stacks/Pulumi.local.yaml: repository and tag), as the CRI names it. */
export const CCM_IMAGE = "docker.io/library/vsphere-cloud-controller-manager:local";
export const PAUSE_IMAGE = "localhost/vscp-pause:v1";
/** The PATH of the node base image, where `node` is found. */
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** OCI image config: the fields a runtime uses (image-spec config.md). */
export interface ImageConfig {
  architecture: string;
  os: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    WorkingDir?: string;
    ExposedPorts?: Record<string, object>;
    Labels?: Record<string, string>;
  };
  rootfs: { type: "layers"; diff_ids: string[] };
}

async function sha256File(file: string): Promise<{ digest: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${h.digest("hex")}`, size };
}

/**
 * Writes an OCI image layout of one uncompressed layer (the tree at `rootfs`) and packs it into
 * `archive`. Owners are root and times zero, so the same tree gives the same digest.
 */
export async function writeOciArchive(o: {
  rootfs: string;
  config: Omit<ImageConfig, "rootfs">;
  name: string;
  archive: string;
}): Promise<string> {
  const layout = `${o.archive}.d`;
  await rm(layout, { recursive: true, force: true });
  const blobs = join(layout, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const layerTmp = join(layout, "layer.tar");
  await run("tar", [
    "--create",
    "--file",
    layerTmp,
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "--mode=a+rX",
    "--directory",
    o.rootfs,
    ".",
  ]);
  const layer = await sha256File(layerTmp);
  await rename(layerTmp, join(blobs, layer.digest.slice(7)));
  const blob = async (mediaType: string, value: unknown) => {
    const body = Buffer.from(JSON.stringify(value));
    const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
    await writeFile(join(blobs, digest.slice(7)), body);
    return { mediaType, digest, size: body.length };
  };
  const config = await blob("application/vnd.oci.image.config.v1+json", {
    ...o.config,
    rootfs: { type: "layers", diff_ids: [layer.digest] },
  });
  const manifest = await blob("application/vnd.oci.image.manifest.v1+json", {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config,
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer.digest, size: layer.size }],
  });
  const tag = o.name.slice(o.name.lastIndexOf(":") + 1);
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          ...manifest,
          platform: { architecture: o.config.architecture, os: o.config.os },
          annotations: { "io.containerd.image.name": o.name, "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await run("tar", ["--create", "--file", o.archive, "--directory", layout, "."]);
  await rm(layout, { recursive: true, force: true });
  return manifest.digest;
}

const goArch = (): string => ({ x64: "amd64", arm64: "arm64" })[process.arch as "x64" | "arm64"] ?? process.arch;

/** Copies a host file to the same path inside `rootfs`, following symlinks. */
async function copyIn(rootfs: string, hostPath: string, imagePath = hostPath): Promise<void> {
  const to = join(rootfs, imagePath);
  await mkdir(dirname(to), { recursive: true });
  await copyFile(hostPath, to);
}

/** The Node.js runtime of this machine: its binary and every shared library `ldd` lists. */
async function addNodeRuntime(rootfs: string): Promise<void> {
  await copyIn(rootfs, process.execPath, "/usr/local/bin/node");
  await chmod(join(rootfs, "usr/local/bin/node"), 0o755);
  const { stdout } = await run("ldd", [process.execPath]);
  for (const m of stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) await copyIn(rootfs, m[1]);
  await copyIn(rootfs, "/etc/ld.so.cache").catch(() => {});
}

/** Where each of the Dockerfile's COPY sources comes from in this checkout. */
function copySource(copy: DockerfileStage["copies"][number], dist: string): string {
  // The build stage works in /src on a copy of the repository and bundles into /src/dist.
  const rel = copy.from ? copy.src.replace(/^\/src\//, "") : copy.src;
  if (rel === "dist") return dist;
  if (copy.from && rel === copy.src)
    throw new Error(
      `controller/Dockerfile copies ${copy.src} from stage ${copy.from}: teach test/env/image.ts where it comes from`,
    );
  return join(REPO_ROOT, rel);
}

/**
 * Builds the CCM image's OCI archive from controller/Dockerfile and this checkout; returns the
 * final stage it followed and the image's manifest digest (the same sources give the same one).
 */
export async function buildCcmImage(
  workDir: string,
  archive: string,
): Promise<{ stage: DockerfileStage; digest: string }> {
  const stage = finalStage(await readFile(DOCKERFILE, "utf8"));
  const rootfs = join(workDir, "ccm-rootfs");
  await rm(rootfs, { recursive: true, force: true });
  const dist = join(workDir, "ccm-dist");
  await rm(dist, { recursive: true, force: true });
  await buildBundle(dist);
  for (const c of stage.copies) await cp(copySource(c, dist), join(rootfs, c.dest), { recursive: true });
  await addNodeRuntime(rootfs);
  await mkdir(join(rootfs, "etc"), { recursive: true });
  await writeFile(
    join(rootfs, "etc/passwd"),
    "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/:/sbin/nologin\n",
  );
  await writeFile(join(rootfs, "etc/group"), "root:x:0:\nnonroot:x:65532:\n");
  for (const d of ["tmp", "proc", "sys", "dev"]) await mkdir(join(rootfs, d), { recursive: true });
  const digest = await writeOciArchive({
    rootfs,
    name: CCM_IMAGE,
    archive,
    config: {
      architecture: goArch(),
      os: "linux",
      config: {
        User: stage.user,
        Env: [`PATH=${BASE_PATH}`, ...Object.entries(stage.env).map(([k, v]) => `${k}=${v}`)],
        Entrypoint: stage.entrypoint,
        Cmd: stage.cmd,
        WorkingDir: stage.workdir,
        ExposedPorts: Object.fromEntries(stage.expose.map((p) => [p.includes("/") ? p : `${p}/tcp`, {}])),
        Labels: { "org.opencontainers.image.source": "controller/Dockerfile (local build, test/env/image.ts)" },
      },
    },
  });
  await rm(rootfs, { recursive: true, force: true });
  await rm(dist, { recursive: true, force: true });
  return { stage, digest };
}

/** Builds the sandbox image's OCI archive around the pause engine's binary. */
export async function buildPauseImage(workDir: string, archive: string): Promise<void> {
  const rootfs = join(workDir, "pause-rootfs");
  await rm(rootfs, { recursive: true, force: true });
  await mkdir(rootfs, { recursive: true });
  await copyFile(join(engineBinDir(engine("pause")), "pause"), join(rootfs, "pause"));
  await chmod(join(rootfs, "pause"), 0o755);
  await writeOciArchive({
    rootfs,
    name: PAUSE_IMAGE,
    archive,
    config: {
      architecture: goArch(),
      os: "linux",
      config: { User: "65535:65535", Entrypoint: ["/pause"] },
    },
  });
  await rm(rootfs, { recursive: true, force: true });
}

/** Reads an OCI archive's config and the paths in its layer (for tests and checks). */
export async function readOciArchive(archive: string): Promise<{ config: ImageConfig; files: string[] }> {
  const list = async (file: string, member: string) =>
    (await run("tar", ["--extract", "--to-stdout", "--file", file, member], { maxBuffer: 1 << 30, encoding: "buffer" }))
      .stdout as Buffer;
  const index = JSON.parse((await list(archive, "./index.json")).toString()) as { manifests: { digest: string }[] };
  const blobPath = (d: string) => `./blobs/sha256/${d.slice(7)}`;
  const manifest = JSON.parse((await list(archive, blobPath(index.manifests[0].digest))).toString()) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const config = JSON.parse((await list(archive, blobPath(manifest.config.digest))).toString()) as ImageConfig;
  const layer = await list(archive, blobPath(manifest.layers[0].digest));
  const tmp = `${archive}.layer-${process.pid}.tar`;
  await writeFile(tmp, layer);
  const { stdout } = await run("tar", ["--list", "--file", tmp], { maxBuffer: 64 * 1024 * 1024 });
  await rm(tmp, { force: true });
  const files = stdout
    .split("\n")
    .filter(Boolean)
    .map((f) => posix.normalize(`/${f}`).replace(/\/$/, ""));
  return { config, files };
}
