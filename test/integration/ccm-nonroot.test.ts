// The image's entrypoint command (controller/Dockerfile: `node bin/vsphere-cloud-controller-manager.js
// --cloud-provider=vsphere --v=2 --cloud-config=...`) as the image's non-root user (65532), with
// only world-readable inputs and nothing writable of its own: it serves, syncs and becomes ready.
// It runs the image's layout: bin/ next to the bundle from `npm run build`, and no node_modules.
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CCM_BIN, startCcm, type CcmProcess } from "../env/ccm.js";
import { buildBundle } from "../../controller/build.js";
import { engines, enginesPki } from "../env/context.js";
import { serverCert } from "../env/pki.js";

const UID = 65532;
const execFileP = promisify(execFile);

describe("the CCM entrypoint as a non-root user", () => {
  let dir: string;
  let ccm: CcmProcess | undefined;
  afterAll(async () => {
    await ccm?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs unprivileged and becomes ready", async () => {
    const { vcsim, kube } = engines();
    const pki = await enginesPki();
    dir = await mkdtemp(join(tmpdir(), "ccm-nonroot-"));
    await chmod(dir, 0o755);
    const put = async (name: string, from: string) => {
      await copyFile(from, join(dir, name));
      await chmod(join(dir, name), 0o644);
      return join(dir, name);
    };
    // /app of the image: bin/ and dist/ only.
    const app = join(dir, "app");
    await buildBundle(join(app, "dist"));
    await mkdir(join(app, "bin"));
    const bin = join(app, "bin", "vsphere-cloud-controller-manager.js");
    await copyFile(CCM_BIN, bin);
    await execFileP("chmod", ["-R", "a+rX", app]);
    const ca = await put("ca.crt", pki.ca.cert);
    const tls = await serverCert(pki, "ccm");
    const servingCert = { cert: await put("tls.crt", tls.cert), key: await put("tls.key", tls.key) };
    const kubeconfig = join(dir, "kubeconfig");
    await writeFile(kubeconfig, (await readFile(kube.kubeconfig, "utf8")).replace(kube.caFile, ca), { mode: 0o644 });
    const cloudConfig = join(dir, "vsphere.conf");
    await writeFile(
      cloudConfig,
      `global:\n  port: ${vcsim.port}\n  caFile: ${ca}\n  user: ${vcsim.username}\n  password: ${vcsim.password}\n` +
        `vcenter:\n  vc1:\n    server: ${vcsim.host}\n`,
      { mode: 0o644 },
    );
    ccm = await startCcm({
      cloudConfig,
      kubeconfig,
      leaseName: `ccm-nonroot-${process.pid}`,
      pki,
      uid: UID,
      servingCert,
      bin,
    });
    await ccm.waitReady(60_000);
    const status = await readFile(`/proc/${ccm.child.pid}/status`, "utf8");
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(UID));
    // The copy in app/bin ran; with no node_modules next to it, only the bundle can have loaded.
    expect(await readFile(`/proc/${ccm.child.pid}/cmdline`, "utf8")).toContain(bin);
    expect(await ccm.get("/healthz")).toMatchObject({ status: 200 });
  });
});
