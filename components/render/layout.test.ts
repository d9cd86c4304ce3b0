import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileName, inApplyOrder, MARKER, prepareOut, readRendered, writeOut } from "./layout.js";

const o = (kind: string, name: string, namespace?: string) => ({ kind, name, namespace });

describe("layout", () => {
  it("numbers files so kubectl applies the namespace first and the DaemonSet last", () => {
    const objects = [
      o("DaemonSet", "ccm", "ns"),
      o("ConfigMap", "cfg", "ns"),
      o("RoleBinding", "rb", "kube-system"),
      o("Namespace", "ns"),
      o("Secret", "s", "ns"),
      o("ClusterRole", "cr"),
      o("ServiceAccount", "sa", "ns"),
    ];
    expect(inApplyOrder(objects).map(fileName)).toEqual([
      "00-namespace-ns.yaml",
      "01-serviceaccount-ns-sa.yaml",
      "02-clusterrole-cr.yaml",
      "05-rolebinding-kube-system-rb.yaml",
      "06-secret-ns-s.yaml",
      "07-configmap-ns-cfg.yaml",
      "08-daemonset-ns-ccm.yaml",
    ]);
    expect(fileName(o("Lease", "x/y", "ns"))).toBe("09-lease-ns-x_y.yaml");
  });

  it("reads what render-to-directory wrote, in every subdirectory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rendered-"));
    await mkdir(join(dir, "1-manifest"));
    await writeFile(
      join(dir, "1-manifest", "v1-namespace-x.yaml"),
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n",
    );
    expect(await readRendered(dir)).toEqual([
      {
        kind: "Namespace",
        name: "x",
        namespace: undefined,
        doc: { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } },
      },
    ]);
  });

  it("replaces its own earlier files and refuses a directory holding others", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "out-")), "m");
    await prepareOut(out);
    await writeOut(
      out,
      new Map([
        ["00-a.yaml", "a"],
        ["06-secret-s.yaml", "s"],
      ]),
      ["06-secret-s.yaml"],
    );
    expect((await stat(join(out, "06-secret-s.yaml"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, "00-a.yaml"))).mode & 0o777).toBe(0o644);
    await prepareOut(out); // a second render: the first one's files go
    expect(await readdir(out)).toEqual([MARKER]);
    await writeOut(out, new Map([["00-b.yaml", "b"]]));
    await writeFile(join(out, "mine.yaml"), "x");
    await expect(prepareOut(out)).rejects.toThrow("mine.yaml were not written by a render; move them elsewhere first");
    expect(await readFile(join(out, "mine.yaml"), "utf8")).toBe("x");
    const foreign = await mkdtemp(join(tmpdir(), "foreign-"));
    await writeFile(join(foreign, "x.yaml"), "x");
    await expect(prepareOut(foreign)).rejects.toThrow("holds files a render did not write");
  });
});
