// The cloud config's connection settings as the running controller applies them: what reaches
// the vSphere clients, against a real (closed) local port rather than a stub.
import { createServer } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { CcmApp, tlsOf } from "./app.js";
import { loadConfig } from "./config/index.js";
import { defaultFlags } from "./flags.js";
import { createLogger } from "./log.js";

/** A port on 127.0.0.1 that refuses connections (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function app(configText: string): CcmApp {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:1", skipTLSVerify: false }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "c", user: "u" }],
    currentContext: "c",
  });
  const { config } = loadConfig(configText);
  const log = createLogger({ verbosity: 0, write: () => {} });
  return new CcmApp({ flags: defaultFlags(), config, kc, log, identity: "test" });
}

describe("soapRoundtripCount reaches the SOAP transport", () => {
  it.each([
    [1, 1],
    [3, 3],
  ])("soapRoundtripCount: %i makes %i attempts on a refused connection", async (count, attempts) => {
    const port = await closedPort();
    const a = app(
      `global:\n  user: u\n  password: p\n  port: ${port}\n  insecureFlag: true\n  soapRoundtripCount: ${count}\n` +
        "vcenter:\n  vc:\n    server: 127.0.0.1\n",
    );
    const session = a.vcenters[0].session;
    await expect(session.login()).rejects.toThrow();
    expect(session.stats.snapshot()["soap:RetrieveServiceContent"]).toEqual(
      expect.objectContaining({ calls: attempts, errors: attempts }),
    );
    await a.stop();
  });
});

describe("TLS settings the vSphere clients get", () => {
  const vc = (over: object) =>
    loadConfig(
      `global:\n  user: u\n  password: p\n  server: vc\n${Object.entries(over)
        .map(([k, v]) => `  ${k}: ${v}\n`)
        .join("")}`,
    ).config.vcenter.vc;

  it("insecure with a pin keeps the pin: checks stay on", () => {
    const t = tlsOf(vc({ insecureFlag: true, thumbprint: "AA:".repeat(19) + "AA" }));
    expect(t.insecure).toBe(false);
    expect(t.thumbprint).toBe("AA:".repeat(19) + "AA");
  });

  it("insecure alone turns checks off (positive control)", () => {
    expect(tlsOf(vc({ insecureFlag: true })).insecure).toBe(true);
  });
});
