// Issue #12, a shared vCenter login: concurrent callers share one Login; one caller giving up
// (its signal aborting) must not fail the login the others wait on, and a login every caller
// gave up on must not linger. Against vcsim, directly and through a local proxy that accepts and
// never answers (a hung vCenter).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../env/context.js";
import { startTcpProxy, type TcpProxy } from "../env/proxy.js";
import { TransportError } from "../../vsphere/errors.js";
import { VsphereSession } from "../../vsphere/session.js";

describe("a vCenter login shared by concurrent callers", () => {
  let hung: TcpProxy;
  beforeAll(async () => {
    hung = await startTcpProxy(engines().vcsim.port, "hang");
  });
  afterAll(() => hung.close());

  const session = (port: number, timeoutMs?: number) => {
    const { vcsim } = engines();
    return new VsphereSession({
      host: vcsim.host,
      port,
      tls: { caFile: vcsim.caFile },
      credentials: () => ({ username: vcsim.username, password: vcsim.password }),
      timeoutMs,
    });
  };

  it("completes for the callers still waiting when one gives up", async () => {
    const s = session(engines().vcsim.port);
    try {
      const quitter = new AbortController();
      const waiter = new AbortController();
      const a = s.login(quitter.signal).then(
        () => "logged in",
        (e: unknown) => e,
      );
      const b = s.login(waiter.signal);
      quitter.abort(new Error("caller A's deadline"));
      await b;
      expect(s.generation).toBe(1);
      expect(s.userName).toBe(engines().vcsim.username);
      const errA = await a;
      expect(errA).toBeInstanceOf(TransportError);
      expect((errA as TransportError).reason).toBe("aborted");
      // The session works: the shared login was not cut short.
      expect(await s.currentTime()).toMatch(/^\d{4}-/);
    } finally {
      await s.close();
    }
  });

  it("is aborted when every caller gave up, long before its own timeout (hung vCenter)", async () => {
    const s = session(hung.port, 60_000);
    try {
      const [c1, c2] = [new AbortController(), new AbortController()];
      const t0 = Date.now();
      const p1 = s.login(c1.signal).catch((e: unknown) => e);
      const p2 = s.login(c2.signal).catch((e: unknown) => e);
      c1.abort();
      // One caller still waits: the login goes on.
      const early = await Promise.race([
        p2.then(() => "settled"),
        new Promise((r) => setTimeout(() => r("waiting"), 300)),
      ]);
      expect(early).toBe("waiting");
      c2.abort();
      expect(await p1).toBeInstanceOf(TransportError);
      expect(await p2).toBeInstanceOf(TransportError);
      // A new caller starts a new login rather than joining the abandoned one.
      const c3 = new AbortController();
      const p3 = s.login(c3.signal).catch((e: unknown) => e);
      c3.abort();
      expect(await p3).toBeInstanceOf(TransportError);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(s.generation).toBe(0);
      expect(hung.stats.acceptedWhileHung).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
