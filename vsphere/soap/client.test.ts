// Parser robustness: whatever bytes come back, a call resolves with decoded data or rejects with
// a typed error (TransportError or VimFault); it never crashes with something else or hangs.
// The transport is stubbed to return fuzzed bodies; fast-check runs seeded so failures reproduce.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TransportError, VimFault, NoPermissionFault } from "../errors.js";
import type { HttpRequest, HttpResponse, HttpTransport } from "../http.js";
import { SoapClient } from "./client.js";
import { moRef } from "../types.js";
import { CallStats } from "../stats.js";

const SEED = 20261124;

function clientReturning(body: () => string, status = 200, contentType = "text/xml; charset=utf-8"): SoapClient {
  const transport = {
    origin: "https://127.0.0.1:1",
    host: "127.0.0.1",
    port: 1,
    stats: new CallStats(),
    send: (_req: HttpRequest): Promise<HttpResponse> =>
      Promise.resolve({ status, headers: { "content-type": contentType }, body: body() }),
  } as unknown as HttpTransport;
  return new SoapClient(transport);
}

const envelope = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;

const GOOD = envelope(
  '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj>' +
    '<propSet><name>name</name><val xsi:type="xsd:string">vm &amp; one</val></propSet>' +
    '<propSet><name>config.hardware.numCPU</name><val xsi:type="xsd:int">4</val></propSet>' +
    '<propSet><name>runtime.host</name><val type="HostSystem" xsi:type="ManagedObjectReference">host-9</val></propSet>' +
    "</objects></returnval></RetrievePropertiesExResponse>",
);

const FAULT = envelope(
  "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Permission to perform this operation was denied.</faultstring>" +
    '<detail><NoPermissionFault xmlns="urn:vim25" xsi:type="NoPermission"><object type="Folder">group-d1</object>' +
    "<privilegeId>System.Read</privilegeId></NoPermissionFault></detail></soapenv:Fault>",
);

async function outcome(c: SoapClient): Promise<"ok" | "typed"> {
  try {
    await c.call("RetrievePropertiesEx", moRef("PropertyCollector", "propertyCollector"), {});
    return "ok";
  } catch (err) {
    if (err instanceof TransportError || err instanceof VimFault) return "typed";
    throw err;
  }
}

describe("SOAP response parsing", () => {
  it("decodes typed values: MoRefs, numbers, escaped strings", async () => {
    const c = clientReturning(() => GOOD);
    const res = await c.call("RetrievePropertiesEx", moRef("PropertyCollector", "propertyCollector"), {});
    expect(res).toEqual({
      objects: {
        obj: { type: "VirtualMachine", value: "vm-1" },
        propSet: [
          { name: "name", val: "vm & one" },
          { name: "config.hardware.numCPU", val: 4 },
          { name: "runtime.host", val: { type: "HostSystem", value: "host-9" } },
        ],
      },
    });
  });

  it("maps a NoPermission fault to a typed error with privilege and object", async () => {
    const err = await clientReturning(() => FAULT, 500)
      .call("RetrievePropertiesEx", moRef("PropertyCollector", "propertyCollector"))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoPermissionFault);
    expect((err as NoPermissionFault).privilegeId).toBe("System.Read");
    expect((err as NoPermissionFault).object).toEqual({ type: "Folder", value: "group-d1" });
  });

  it("never crashes on truncated responses", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: GOOD.length - 1 }), async (cut) => {
        expect(["ok", "typed"]).toContain(await outcome(clientReturning(() => GOOD.slice(0, cut))));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("never crashes on mutated responses and faults", async () => {
    const mutate = fc.tuple(
      fc.constantFrom(GOOD, FAULT),
      fc.integer({ min: 0, max: 2000 }),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(mutate, fc.constantFrom(200, 500), async ([base, at, junk], status) => {
        const i = at % base.length;
        const body = base.slice(0, i) + junk + base.slice(i + junk.length);
        expect(["ok", "typed"]).toContain(await outcome(clientReturning(() => body, status)));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("never crashes on arbitrary text, HTML or the wrong content type", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.constant("<html><body>502 Bad Gateway</body></html>"), fc.constant("{}")),
        fc.constantFrom("text/xml", "text/html", "application/json", ""),
        fc.constantFrom(200, 401, 500, 502),
        async (body, type, status) => {
          expect(["ok", "typed"]).toContain(await outcome(clientReturning(() => body, status, type)));
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
