import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selfSignedCertificate } from "../controller/http/self-signed.js";
import { classify, startCountingProxy } from "./count-proxy.js";
import { imageRuntime, nodeRuntime } from "./image-runtime.js";

/** A request envelope as the `soap` package writes one (namespace prefixes, arguments inside). */
const envelope = (method: string, _args: Record<string, string>) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:vim25"><soap:Body><tns:${method}><_this type="PropertyCollector">propertyCollector</_this></tns:${method}></soap:Body></soap:Envelope>`;

describe("the counting proxy", () => {
  it("names calls as the CCM's metrics do", () => {
    expect(classify("POST", "/sdk", envelope("RetrievePropertiesEx", {}))).toBe("soap:RetrievePropertiesEx");
    expect(
      classify("POST", "/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects", ""),
    ).toBe("rest:POST com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects");
    expect(classify("GET", "/rest/com/vmware/cis/tagging/tag/id:urn:vmomi:InventoryServiceTag:abc:GLOBAL", "")).toBe(
      "rest:GET com/vmware/cis/tagging/tag/id:{id}",
    );
  });

  it("forwards requests and responses unchanged and counts each one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proxy-"));
    const certs = selfSignedCertificate();
    const files = { cert: join(dir, "c.pem"), key: join(dir, "k.pem") };
    await writeFile(files.cert, certs.cert);
    await writeFile(files.key, certs.key);
    const target = createServer(certs, (q, s) => {
      let body = "";
      q.on("data", (d: Buffer) => (body += d.toString()));
      q.on("end", () => s.writeHead(200, { "x-seen": q.url ?? "" }).end(`echo:${body.length}`));
    });
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    const proxy = await startCountingProxy(
      { host: "127.0.0.1", port: (target.address() as AddressInfo).port, caFile: files.cert },
      files,
    );
    const post = (path: string, body: string) =>
      new Promise<{ status?: number; seen?: string | string[]; text: string }>((resolve, reject) => {
        const r = request({ host: "127.0.0.1", port: proxy.port, path, method: "POST", ca: certs.cert }, (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode, seen: res.headers["x-seen"], text }));
        });
        r.on("error", reject);
        r.end(body);
      });
    try {
      const soap = envelope("WaitForUpdatesEx", { version: "" });
      expect(await post("/sdk", soap)).toEqual({ status: 200, seen: "/sdk", text: `echo:${soap.length}` });
      await post("/sdk", soap);
      await post("/rest/com/vmware/cis/session", "");
      expect(proxy.counts()).toEqual({ "soap:WaitForUpdatesEx": 2, "rest:POST com/vmware/cis/session": 1 });
      expect(proxy.total()).toBe(3);
    } finally {
      await proxy.close();
      target.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs our CCM as the image does: ENTRYPOINT's node flags and the final stage's ENV", async () => {
    const image = await imageRuntime();
    expect(image.flags).toEqual(["--max-semi-space-size=1", "--optimize-for-size", "--no-opt"]);
    expect(image.env).toEqual({ NODE_ENV: "production" });
    expect(await nodeRuntime("image")).toEqual(image);
    expect(await nodeRuntime(" --no-opt  --v8-pool-size=1 ")).toEqual({
      flags: ["--no-opt", "--v8-pool-size=1"],
      env: {},
      from: "custom",
    });
  });
});
