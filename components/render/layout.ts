// From the files Pulumi's render-to-directory writes (`<dir>/1-manifest/<apiVersion>-<kind>-
// <namespace>-<name>.yaml`, in no useful order) to the output directory: one file per object,
// numbered in the order to apply them, so `kubectl apply -f DIR` creates the namespace before
// what lives in it and the Secret and ConfigMap before the DaemonSet that mounts and reads them.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";

/** Kinds in the order to apply them; anything else goes last. */
export const APPLY_ORDER = [
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Secret",
  "ConfigMap",
  "DaemonSet",
] as const;

/** Lists what a render wrote into a directory, so the next render replaces exactly those files. */
export const MARKER = ".vsphere-ccm-render";

/** One object to write: its file name in the output directory and its YAML. */
export interface RenderedObject {
  kind: string;
  name: string;
  namespace?: string;
  doc: Record<string, unknown>;
}

/** Every object under a render-to-directory output (all subdirectories), parsed. */
export async function readRendered(dir: string): Promise<RenderedObject[]> {
  const out: RenderedObject[] = [];
  for (const f of (await readdir(dir, { recursive: true })).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    const doc = parseDocument(await readFile(join(dir, f), "utf8")).toJS() as Record<string, unknown> | null;
    if (!doc) continue;
    const meta = (doc.metadata ?? {}) as { name?: string; namespace?: string };
    out.push({ kind: String(doc.kind), name: String(meta.name), namespace: meta.namespace, doc });
  }
  return out;
}

/** `03-clusterrole-vsphere-cloud-controller-manager.yaml`: order, kind, namespace, name. */
export function fileName(o: Pick<RenderedObject, "kind" | "name" | "namespace">): string {
  const i = APPLY_ORDER.indexOf(o.kind as (typeof APPLY_ORDER)[number]);
  const order = String(i < 0 ? APPLY_ORDER.length : i).padStart(2, "0");
  const parts = [order, o.kind.toLowerCase(), ...(o.namespace ? [o.namespace] : []), o.name];
  return `${parts.join("-").replace(/[^A-Za-z0-9._-]+/g, "_")}.yaml`;
}

/** Objects sorted into apply order (then by file name, for a stable listing). */
export function inApplyOrder<T extends Pick<RenderedObject, "kind" | "name" | "namespace">>(objects: T[]): T[] {
  return [...objects].sort((a, b) => fileName(a).localeCompare(fileName(b)));
}

/**
 * Makes `out` ready for a render: created when missing; when it holds files, they must be a
 * previous render's (listed in its marker), and those are removed. Anything else is refused,
 * so a render never deletes or overwrites files it did not write.
 */
export async function prepareOut(out: string): Promise<void> {
  if (!existsSync(out)) {
    await mkdir(out, { recursive: true });
    return;
  }
  const entries = await readdir(out);
  if (entries.length === 0) return;
  if (!entries.includes(MARKER))
    throw new Error(`--out ${out}: the directory holds files a render did not write; choose an empty or new one`);
  const listed = (await readFile(join(out, MARKER), "utf8")).split("\n").filter(Boolean);
  const unknown = entries.filter((e) => e !== MARKER && !listed.includes(e));
  if (unknown.length > 0)
    throw new Error(`--out ${out}: ${unknown.join(", ")} were not written by a render; move them elsewhere first`);
  for (const f of listed) await rm(join(out, f), { force: true });
}

/** Writes the files (name -> content; `private` ones owner-only) and the marker listing them. */
export async function writeOut(
  out: string,
  files: ReadonlyMap<string, string>,
  privateFiles: readonly string[] = [],
): Promise<void> {
  for (const [name, text] of files)
    await writeFile(join(out, name), text, { mode: privateFiles.includes(name) ? 0o600 : 0o644 });
  await writeFile(join(out, MARKER), [...files.keys()].join("\n") + "\n");
}
