// Reads the final stage of controller/Dockerfile: what the local image builder must reproduce
// (entrypoint, cmd, user, workdir, env, exposed ports, copied files). The Dockerfile stays the
// release recipe; the local image is derived from it so the two cannot drift.
import { posix } from "node:path";

export interface DockerfileCopy {
  /** `--from=<stage>`, when copying from an earlier stage. */
  from?: string;
  src: string;
  /** Absolute destination in the image (relative ones resolved against WORKDIR). */
  dest: string;
}

export interface DockerfileStage {
  base: string;
  env: Record<string, string>;
  workdir: string;
  user?: string;
  expose: string[];
  entrypoint: string[];
  cmd: string[];
  copies: DockerfileCopy[];
}

/** Joins continuation lines and drops comments and blank lines. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

function jsonArray(where: string, value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (cause) {
    throw new Error(`${where}: use the JSON (exec) form, e.g. ["node", "app.js"]`, { cause });
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string"))
    throw new Error(`${where}: expected a JSON array of strings`);
  return parsed;
}

/** The last stage of a Dockerfile, with COPY destinations made absolute. */
export function finalStage(text: string): DockerfileStage {
  let stage: DockerfileStage | undefined;
  for (const line of instructions(text)) {
    const [, op = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const keyword = op.toUpperCase();
    if (keyword === "FROM") {
      stage = { base: rest.split(/\s+/)[0], env: {}, workdir: "/", expose: [], entrypoint: [], cmd: [], copies: [] };
      continue;
    }
    if (!stage) throw new Error(`Dockerfile: ${keyword} before FROM`);
    switch (keyword) {
      case "ENV":
        for (const m of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]] = m[2].replace(/^"|"$/g, "");
        break;
      case "WORKDIR":
        stage.workdir = posix.resolve(stage.workdir, rest);
        break;
      case "USER":
        stage.user = rest;
        break;
      case "EXPOSE":
        stage.expose.push(...rest.split(/\s+/));
        break;
      case "ENTRYPOINT":
        stage.entrypoint = jsonArray("Dockerfile ENTRYPOINT", rest);
        break;
      case "CMD":
        stage.cmd = jsonArray("Dockerfile CMD", rest);
        break;
      case "COPY": {
        const words = rest.split(/\s+/);
        const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
        const paths = words.filter((w) => !w.startsWith("--"));
        if (paths.length < 2) throw new Error(`Dockerfile: COPY ${rest}: a source and a destination expected`);
        const rawDest = paths.pop() as string;
        const dest = posix.resolve(stage.workdir, rawDest);
        // Into a directory (`dir/`, or several sources): each source keeps its name there.
        const intoDir = rawDest.endsWith("/") || paths.length > 1;
        for (const src of paths)
          stage.copies.push({ from, src, dest: intoDir ? posix.join(dest, posix.basename(src)) : dest });
        break;
      }
      default:
        break; // RUN, ARG, LABEL...: nothing the runtime image's contract depends on
    }
  }
  if (!stage) throw new Error("Dockerfile: no FROM");
  return stage;
}
