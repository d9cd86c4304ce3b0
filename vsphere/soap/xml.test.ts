import { describe, expect, it } from "vitest";
import { decode, moArg, typed } from "./codec.js";
import { envelope, parseXml, readEnvelope } from "./xml.js";

describe("SOAP envelopes", () => {
  it("writes arguments in the order given, escaped, with MoRef and xsi:type attributes", () => {
    const xml = envelope("ReconfigVM_Task", {
      _this: moArg({ type: "VirtualMachine", value: "vm-1" }),
      spec: typed("VirtualMachineConfigSpec", {
        extraConfig: [typed("OptionValue", { key: 'a"&<b>', value: typed("xsd:string", { $value: "x'y" }) })],
      }),
      skip: false,
      empty: undefined,
    });
    expect(xml).toContain(
      '<soapenv:Body><ReconfigVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-1</_this>' +
        '<spec xsi:type="VirtualMachineConfigSpec"><extraConfig xsi:type="OptionValue"><key>a&quot;&amp;&lt;b&gt;</key>' +
        '<value xsi:type="xsd:string">x&apos;y</value></extraConfig></spec><skip>false</skip></ReconfigVM_Task></soapenv:Body>',
    );
    expect(xml).toContain('xmlns:xsd="http://www.w3.org/2001/XMLSchema"');
    // What we write, we read back the same.
    const back = readEnvelope(xml).response as Record<string, unknown>;
    expect(decode(back.spec as never)).toEqual({
      _type: "VirtualMachineConfigSpec",
      extraConfig: { _type: "OptionValue", key: 'a"&<b>', value: "x'y" },
    });
  });

  it("writes repeated arguments as repeated elements", () => {
    expect(envelope("CreateContainerView", { type: ["A", "B"] })).toContain("<type>A</type><type>B</type>");
  });
});

describe("SOAP replies", () => {
  const env = (inner: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;

  it("reads children by local name, repeats as arrays, attributes, entities, CDATA, nil and empty elements", () => {
    const r = readEnvelope(
      env(
        '<XResponse xmlns="urn:vim25"><returnval><a>1 &lt; 2 &#x41;&#66;</a><a><![CDATA[<raw>]]></a>' +
          '<b type="Folder">group-1</b><c xsi:nil="true"/><d/><!-- note --><e><f>x</f></e></returnval></XResponse>',
      ),
    );
    expect((r.response as Record<string, unknown>).returnval).toEqual({
      a: ["1 < 2 AB", "<raw>"],
      b: { attributes: { type: "Folder" }, $value: "group-1" },
      c: null,
      d: "",
      e: { f: "x" },
    });
  });

  it("reads a fault's string and detail", () => {
    const r = readEnvelope(
      env(
        "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>denied</faultstring>" +
          '<detail><NoPermissionFault xsi:type="NoPermission"><privilegeId>System.Read</privilegeId></NoPermissionFault></detail></soapenv:Fault>',
      ),
    );
    expect(r.fault?.faultstring).toBe("denied");
    expect(decode((r.fault?.detail as Record<string, never>).NoPermissionFault)).toEqual({
      _type: "NoPermission",
      privilegeId: "System.Read",
    });
  });

  it("refuses what is not a well-formed SOAP envelope", () => {
    for (const bad of [
      "",
      "<a>",
      "<a></b>",
      "<a>x</a><b/>",
      "<a>&bogus;</a>",
      '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
      "<a b=c/>",
      "text<a/>",
      "<Envelope><Head/></Envelope>",
      env("<A/><B/>"),
    ])
      expect(() => readEnvelope(bad), bad).toThrow();
    expect(parseXml("<a b='1' c=\"2\"/>")).toEqual({
      name: "a",
      value: { attributes: { b: "1", c: "2" }, $value: "" },
    });
  });

  it("ignores keys that would reach an object's prototype", () => {
    const { value } = parseXml("<a><__proto__><x>1</x></__proto__><constructor>2</constructor><ok>3</ok></a>");
    expect(value).toEqual({ ok: "3" });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
