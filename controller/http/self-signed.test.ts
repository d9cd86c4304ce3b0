import { X509Certificate } from "node:crypto";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { selfSignedCertificate } from "./self-signed.js";

describe("selfSignedCertificate", () => {
  it("is a valid X.509 v3 certificate for localhost and 127.0.0.1, signed by its own key, for a year", () => {
    const now = new Date("2026-12-06T12:00:00Z");
    const { cert } = selfSignedCertificate(undefined, undefined, undefined, now);
    const x = new X509Certificate(cert);
    expect(x.subject).toBe("CN=vsphere-cloud-controller-manager");
    expect(x.issuer).toBe(x.subject);
    expect(x.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(new Date(x.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(x.validTo).getTime() - now.getTime()).toBe(365 * 24 * 3600 * 1000);
    expect(x.checkHost("localhost")).toBe("localhost");
    expect(x.checkIP("127.0.0.1")).toBe("127.0.0.1");
    // A fresh serial and key each time.
    expect(new X509Certificate(selfSignedCertificate().cert).serialNumber).not.toBe(x.serialNumber);
  });

  it("always encodes valid DER: 300 certificates parse, each with a positive, minimal serial", () => {
    for (let i = 0; i < 300; i++) {
      const x = new X509Certificate(selfSignedCertificate().cert);
      expect(x.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
      expect(x.serialNumber.slice(0, 2)).not.toBe("00");
    }
  });

  it("serves HTTPS that a client trusting it accepts, and a client trusting nothing refuses", async () => {
    const { cert, key } = selfSignedCertificate();
    const server = createServer({ cert, key }, (_q, s) => s.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const get = (ca?: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/", ca, agent: false }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.end();
      });
    try {
      expect(await get(cert)).toBe("ok");
      await expect(get()).rejects.toThrow(/self[- ]signed/i);
    } finally {
      server.close();
    }
  });
});
