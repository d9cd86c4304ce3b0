// Proof of the engine chain: vcsim answers SOAP and REST logins, kube-apiserver answers /readyz
// to the admin token, and the real Pulumi engine runs up -> preview -> refresh -> destroy of a
// program with Kubernetes resources and a dynamic-provider resource.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { engines } from "../env/context.js";
import { httpsRequest } from "../env/net.js";
import { PulumiCli } from "../env/pulumi.js";

const soapEnvelope = (body: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
  `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

describe("engine chain", () => {
  it("vcsim accepts a SOAP login with the configured credentials and refuses a wrong password", async () => {
    const { vcsim } = engines();
    const call = (body: string, cookie?: string) =>
      httpsRequest(vcsim.url, {
        caFile: vcsim.caFile,
        method: "POST",
        headers: { "Content-Type": "text/xml", SOAPAction: "urn:vim25/6.5", ...(cookie ? { Cookie: cookie } : {}) },
        body: soapEnvelope(body),
      });
    const content = await call(
      '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>',
    );
    expect(content.status).toBe(200);
    const sessionManager = /<sessionManager type="SessionManager">([^<]+)</.exec(content.body)?.[1];
    expect(sessionManager).toBeTruthy();
    const login = (password: string) =>
      call(
        `<Login xmlns="urn:vim25"><_this type="SessionManager">${sessionManager}</_this>` +
          `<userName>${xmlEscape(vcsim.username)}</userName><password>${xmlEscape(password)}</password></Login>`,
      );
    const good = await login(vcsim.password);
    expect(good.status).toBe(200);
    expect(good.body).toContain(`<userName>${xmlEscape(vcsim.username)}</userName>`);
    const bad = await login("not-the-password");
    expect(bad.status).toBe(500);
    expect(bad.body).toContain("InvalidLogin");
  });

  it("vcsim accepts a REST (vAPI) session login", async () => {
    const { vcsim } = engines();
    const basic = Buffer.from(`${vcsim.username}:${vcsim.password}`).toString("base64");
    const res = await httpsRequest(`https://${vcsim.host}:${vcsim.port}/rest/com/vmware/cis/session`, {
      caFile: vcsim.caFile,
      method: "POST",
      headers: { Authorization: `Basic ${basic}` },
    });
    expect(res.status).toBe(200);
    const session = (JSON.parse(res.body) as { value: string }).value;
    expect(session).toMatch(/\S{8,}/);
    const categories = await httpsRequest(`https://${vcsim.host}:${vcsim.port}/rest/com/vmware/cis/tagging/category`, {
      caFile: vcsim.caFile,
      headers: { "vmware-api-session-id": session },
    });
    expect(categories.status).toBe(200);
  });

  it("kube-apiserver is ready for the admin token and rejects a wrong one", async () => {
    const { kube } = engines();
    const ready = await httpsRequest(`${kube.server}/readyz`, {
      caFile: kube.caFile,
      headers: { Authorization: `Bearer ${kube.adminToken}` },
    });
    expect(ready).toEqual({ status: 200, body: "ok" });
    const wrong = await httpsRequest(`${kube.server}/api/v1/namespaces`, {
      caFile: kube.caFile,
      headers: { Authorization: "Bearer wrong" },
    });
    expect(wrong.status).toBe(401);
  });

  describe("pulumi up -> preview -> refresh -> destroy", () => {
    let work: string;
    let cli: PulumiCli;
    afterAll(async () => {
      await cli?.removeStack();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it("runs the whole lifecycle against the local apiserver", async () => {
      const { env, kube } = engines();
      work = await mkdtemp(join(tmpdir(), "chain-"));
      const markerPath = join(work, "marker.txt");
      const namespace = `chain-${process.pid}`;
      cli = new PulumiCli(
        join(import.meta.dirname, "chain"),
        { ...env, PULUMI_BACKEND_URL: `file://${work}` },
        "chain",
      );
      await cli.init({ namespace, markerPath });

      await cli.up();
      expect(await cli.outputs()).toEqual({ namespace, configMap: "chain", markerPath });
      expect(existsSync(markerPath)).toBe(true);
      const kubeGet = (path: string) =>
        httpsRequest(`${kube.server}${path}`, {
          caFile: kube.caFile,
          headers: { Authorization: `Bearer ${kube.adminToken}` },
        });
      const cm = await kubeGet(`/api/v1/namespaces/${namespace}/configmaps/chain`);
      expect(cm.status).toBe(200);
      expect((JSON.parse(cm.body) as { data: Record<string, string> }).data).toEqual({ hello: "world" });

      const preview = await cli.preview("--expect-no-changes");
      expect(preview.code, preview.stdout + preview.stderr).toBe(0);

      // Drift: the marker disappears out of band; refresh must notice through the dynamic provider.
      await rm(markerPath);
      const refreshed = await cli.refresh();
      expect(refreshed).toMatch(/marker\s+deleted/);
      const drift = await cli.preview("--expect-no-changes");
      expect(drift.code).not.toBe(0);
      await cli.up();
      expect(existsSync(markerPath)).toBe(true);

      await cli.destroy();
      expect(existsSync(markerPath)).toBe(false);
      // kube-controller-manager's namespace controller finishes the deletion.
      let status = 0;
      for (let i = 0; i < 120; i++) {
        status = (await kubeGet(`/api/v1/namespaces/${namespace}`)).status;
        if (status === 404) break;
        await sleep(250);
      }
      expect(status).toBe(404);
    });
  });
});
