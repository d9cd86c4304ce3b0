// TLS policy, typed faults, session loss and server restarts, against dedicated vcsim instances
// (fault rules and restarts must not disturb other test files).
import { createServer as createHttpsServer, type Server } from "node:https";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, enginesPki } from "../env/context.js";
import { serverCert } from "../env/pki.js";
import { clearFaults, injectFault, restartVcsim, startVcsim, stopVcsim, type Vcsim } from "../env/vcsim.js";
import { VsphereSession, parseUserSession } from "../../vsphere/session.js";
import { objectProperties, retrieveProperties } from "../../vsphere/property.js";
import {
  NoPermissionFault,
  NotAuthenticatedFault,
  TlsVerificationError,
  TransportError,
} from "../../vsphere/errors.js";
import type { TlsOptions } from "../../vsphere/tls.js";
import { moRef } from "../../vsphere/types.js";

const connect = (v: Vcsim, tls: TlsOptions, extra: { attempts?: number; timeoutMs?: number } = {}) =>
  VsphereSession.connect({
    host: v.host,
    port: v.port,
    tls,
    credentials: () => ({ username: v.username, password: v.password }),
    backoffMs: 50,
    ...extra,
  });

describe("TLS policy", () => {
  it("verifies against the right CA and refuses a wrong one, naming the presented thumbprint", async () => {
    const { vcsim } = engines();
    const pki = await enginesPki();
    const ok = await connect(vcsim, { caFile: pki.ca.cert });
    await ok.close();
    const err = await connect(vcsim, { caFile: pki.wrongCa.cert }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsVerificationError);
    expect((err as TlsVerificationError).presented?.sha1).toBe(vcsim.thumbprintSha1);
    expect((err as Error).message).toContain(vcsim.thumbprintSha1);
    // The fix names no setting the caller did not name (the client has options, not config keys) ...
    expect((err as Error).message).toContain(
      "Trust its CA, pin its thumbprint, or, for a lab only, turn verification off.",
    );
    // ... and the caller's own names when given.
    const names = { caFile: "ca-file", thumbprint: "thumbprint", insecure: "insecure-flag = true" };
    const named = await connect(vcsim, { caFile: pki.wrongCa.cert, names }).catch((e: unknown) => e);
    expect((named as Error).message).toContain(
      "Trust its CA (ca-file), pin its thumbprint (thumbprint), or, for a lab only, turn verification off " +
        "(insecure-flag = true).",
    );
  });

  it("accepts a pinned SHA-1 or SHA-256 thumbprint in any spelling and refuses a wrong pin", async () => {
    const { vcsim } = engines();
    for (const thumbprint of [
      vcsim.thumbprintSha1,
      vcsim.thumbprintSha1.replace(/:/g, "").toLowerCase(),
      vcsim.thumbprintSha256,
      vcsim.thumbprintSha256.replace(/:/g, ""),
    ]) {
      const s = await connect(vcsim, { thumbprint });
      expect(await s.currentTime()).toMatch(/^\d{4}-/);
      await s.close();
    }
    const wrong = "AA:".repeat(19) + "AA";
    const err = await connect(vcsim, { thumbprint: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsVerificationError);
    expect((err as Error).message).toContain(vcsim.thumbprintSha1);
    const names = { caFile: "caFile", thumbprint: "thumbprint", insecure: "insecureFlag: true" };
    const named = await connect(vcsim, { thumbprint: wrong, names }).catch((e: unknown) => e);
    expect((named as Error).message).toMatch(/If that is the right server, pin that value \(thumbprint\)\.$/);
    await expect(connect(vcsim, { thumbprint: "not-hex" })).rejects.toThrow(/thumbprint "not-hex": expected a SHA-1/);
  });

  it("connects with the explicit insecure flag", async () => {
    const s = await connect(engines().vcsim, { insecure: true });
    await s.close();
  });
});

describe("faults and outages", () => {
  let v: Vcsim;
  let dir: string;
  beforeAll(async () => {
    dir = engines().dir;
    v = await startVcsim(dir, await enginesPki(), { name: "vcsim-resilience" });
  });
  afterAll(async () => {
    await stopVcsim(dir, "vcsim-resilience");
  });

  it("reports an injected NoPermission fault with its privilege and object", async () => {
    const s = await connect(v, { caFile: v.caFile });
    const root = s.serviceContent.rootFolder;
    await injectFault(v, {
      method: "RetrievePropertiesEx",
      fault: "NoPermission",
      privilege: "System.Read",
      object: root,
      maxCount: 1,
    });
    try {
      const err = await objectProperties(s, root, ["name"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoPermissionFault);
      expect((err as NoPermissionFault).privilegeId).toBe("System.Read");
      expect((err as NoPermissionFault).object).toEqual(root);
      expect((err as Error).message).toMatch(/privilege System\.Read on Folder:/);
      // The rule fired once; the next read succeeds.
      expect((await objectProperties(s, root, ["name"])).name).toBe("Datacenters");
    } finally {
      await clearFaults(v);
      await s.close();
    }
  });

  it("logs in again transparently after the session is terminated server-side", async () => {
    const s = await connect(v, { caFile: v.caFile });
    const admin = await connect(v, { caFile: v.caFile });
    const sm = s.serviceContent.sessionManager;
    const mine = parseUserSession((await objectProperties(s, sm, ["currentSession"])).currentSession);
    expect(mine?.key).toBeTruthy();
    await admin.call("TerminateSession", sm, { sessionId: [mine?.key] });
    const before = s.generation;
    expect(await s.currentTime()).toMatch(/^\d{4}-/);
    expect(s.generation).toBe(before + 1);
    expect(s.stats.snapshot()["soap:Login"].calls).toBe(2);
    await Promise.all([s.close(), admin.close()]);
  });

  it("fails with NotAuthenticated, not a retry loop, when the re-login itself is refused", async () => {
    let password = v.password;
    const s = await VsphereSession.connect({
      host: v.host,
      port: v.port,
      tls: { caFile: v.caFile },
      credentials: () => ({ username: v.username, password }),
    });
    const admin = await connect(v, { caFile: v.caFile });
    const sm = s.serviceContent.sessionManager;
    const mine = parseUserSession((await objectProperties(s, sm, ["currentSession"])).currentSession);
    await admin.call("TerminateSession", sm, { sessionId: [mine?.key] });
    password = "rotated-but-wrong";
    const err = await s.currentTime().catch((e: unknown) => e);
    expect((err as Error).name).toBe("InvalidLoginFault");
    expect(String(err)).not.toContain(password);
    await Promise.all([s.close(), admin.close()]);
  });

  it("survives a vcsim restart: transport error while down, then re-login on the same port", async () => {
    const s = await connect(v, { caFile: v.caFile }, { attempts: 2 });
    await stopVcsim(dir, v.name);
    const down = await s.currentTime().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(TransportError);
    expect(down).not.toBeInstanceOf(NotAuthenticatedFault);
    expect((down as TransportError).reason).toBe("connect");
    await restartVcsim(dir, await enginesPki(), v);
    expect(await s.currentTime()).toMatch(/^\d{4}-/);
    expect(s.stats.snapshot()["soap:Login"].calls).toBe(2);
    await s.close();
  });

  it("counts exactly the calls vCenter counts for the session (SessionManager.currentSession.callCount)", async () => {
    const s = await connect(v, { caFile: v.caFile });
    const sm = s.serviceContent.sessionManager;
    const count = async () =>
      parseUserSession((await objectProperties(s, sm, ["currentSession"])).currentSession)?.callCount ?? -1;
    const ours = () => s.stats.total("soap");
    const c0 = await count();
    const o0 = ours();
    await s.currentTime();
    await retrieveProperties(s, {
      props: [{ type: "Folder", pathSet: ["name"] }],
      source: { obj: s.serviceContent.rootFolder },
    });
    await objectProperties(s, moRef("Folder", s.serviceContent.rootFolder.value), ["childEntity"]);
    const c1 = await count();
    const o1 = ours();
    expect(c1 - c0).toBe(o1 - o0);
    expect(o1 - o0).toBe(4);
    await s.close();
  });
});

describe("malformed peers", () => {
  let https: Server;
  let tcp: TcpServer;
  afterAll(() => {
    https?.close();
    tcp?.close();
  });

  it("turns an HTML error page into a typed protocol error", async () => {
    const pki = await enginesPki();
    const cert = await serverCert(pki, "vcsim");
    https = createHttpsServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_req, res) => {
      res.writeHead(503, { "Content-Type": "text/html" }).end("<html><body>Service Unavailable</body></html>");
    });
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    const port = (https.address() as { port: number }).port;
    const err = await VsphereSession.connect({
      host: "127.0.0.1",
      port,
      tls: { caFile: pki.ca.cert },
      credentials: () => ({ username: "u", password: "p" }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toMatch(/HTTP 503 with an HTML page/);
  });

  it("times out on a peer that accepts and never answers", async () => {
    tcp = createTcpServer(() => {});
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const port = (tcp.address() as { port: number }).port;
    const err = await VsphereSession.connect({
      host: "127.0.0.1",
      port,
      tls: { insecure: true },
      credentials: () => ({ username: "u", password: "p" }),
      timeoutMs: 300,
      attempts: 2,
      backoffMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).reason).toBe("timeout");
  });
});

describe("pinned thumbprint under concurrency", () => {
  it("verifies every new connection, including ones opened in parallel", async () => {
    const { vcsim } = engines();
    const s = await connect(vcsim, { thumbprint: vcsim.thumbprintSha256 });
    const times = await Promise.all(Array.from({ length: 6 }, () => s.currentTime()));
    expect(times.every((t) => /^\d{4}-/.test(t))).toBe(true);
    await s.close();
  });
});
