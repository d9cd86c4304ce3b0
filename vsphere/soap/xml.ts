// SOAP envelopes for vim25 and a small XML reader for the replies, in the shapes codec.ts works
// with (XmlObject: children by local name, repeated children as arrays, `attributes`, `$value`).
// Why not the `soap` package, which did this before: its generic parser (sax, then an object per
// node checked against a WSDL) was two thirds of the time of a 1,000-VM inventory load
// (bench:vsphere splits it), and the package with its dependencies held several MB for the life of
// the process. vim25 replies are plain XML: elements, attributes, text, the five predefined
// entities and character references; no DTD (refused), CDATA and comments tolerated.
import type { Xml, XmlObject } from "./codec.js";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]);

function element(name: string, value: unknown, out: string[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) element(name, v, out);
    return;
  }
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  ) {
    out.push(`<${name}>${escape(String(value))}</${name}>`);
    return;
  }
  if (typeof value !== "object") throw new Error(`${name}: a ${typeof value} cannot be sent`);
  const o = value as Record<string, unknown>;
  const attrs = o.attributes as Record<string, string> | undefined;
  const a = attrs ? Object.entries(attrs).map(([k, v]) => ` ${k}="${escape(String(v))}"`) : [];
  out.push(`<${name}${a.join("")}>`);
  if ("$value" in o) out.push(escape(String(o.$value)));
  else for (const [k, v] of Object.entries(o)) if (k !== "attributes") element(k, v, out);
  out.push(`</${name}>`);
}

/** The request envelope of a vim25 method: arguments in the order given (vim25 schema order). */
export function envelope(method: string, args: Record<string, unknown>): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"',
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">',
    `<soapenv:Body><${method} xmlns="urn:vim25">`,
  ];
  for (const [k, v] of Object.entries(args)) element(k, v, out);
  out.push(`</${method}></soapenv:Body></soapenv:Envelope>`);
  return out.join("");
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescape(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e[0] !== "#") {
      const v = ENTITIES[e];
      if (v === undefined) throw new Error(`unknown entity ${m}`);
      return v;
    }
    const code = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    if (!(code >= 0 && code <= 0x10ffff)) throw new Error(`bad character reference ${m}`);
    return String.fromCodePoint(code);
  });
}

interface Frame {
  name: string;
  attributes?: Record<string, string>;
  children?: XmlObject;
  text: string;
}

const localName = (n: string) => n.slice(n.indexOf(":") + 1);
const RESERVED = new Set(["__proto__", "constructor", "prototype", "attributes", "$value"]);

function add(parent: Frame, name: string, value: Xml | null): void {
  if (RESERVED.has(name)) return;
  const c = (parent.children ??= {});
  const held = c[name];
  const v = value as Xml;
  if (held === undefined) c[name] = v;
  else if (Array.isArray(held)) held.push(v);
  else c[name] = [held, v];
}

function close(f: Frame): Xml | null {
  if (f.attributes && Object.entries(f.attributes).some(([k, v]) => /(^|:)nil$/.test(k) && v === "true")) return null;
  if (f.children) {
    if (f.attributes) f.children.attributes = f.attributes;
    return f.children;
  }
  if (f.attributes) return { attributes: f.attributes, $value: f.text };
  return f.text;
}

const TAG =
  /<(?:(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|!\[CDATA\[([\s\S]*?)\]\]>|!--[\s\S]*?-->|\?[\s\S]*?\?>)/y;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses an XML document into its root element's name and value; throws on malformed input. */
export function parseXml(text: string): { name: string; value: Xml | null } {
  const root: Frame = { name: "", text: "" };
  const stack: Frame[] = [root];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    const top = stack[stack.length - 1];
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    if (chunk) {
      if (top === root) {
        if (chunk.trim()) throw new Error("text outside the root element");
      } else top.text += unescape(chunk);
    }
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(text);
    if (!m) throw new Error(`malformed markup at offset ${lt}`);
    i = TAG.lastIndex;
    if (m[5] !== undefined) {
      if (top === root) throw new Error("CDATA outside the root element");
      top.text += m[5];
      continue;
    }
    if (m[2] === undefined) continue; // comment or processing instruction
    if (m[1]) {
      const f = stack.pop();
      if (!f || f === root || f.name !== m[2]) throw new Error(`unexpected </${m[2]}> at offset ${lt}`);
      add(stack[stack.length - 1], localName(f.name), close(f));
      continue;
    }
    const f: Frame = { name: m[2], text: "" };
    if (m[3]) {
      f.attributes = {};
      for (const a of m[3].matchAll(ATTR)) if (!RESERVED.has(a[1])) f.attributes[a[1]] = unescape(a[2] ?? a[3] ?? "");
    }
    if (m[4]) add(top, localName(f.name), close(f));
    else {
      if (top === root && root.children) throw new Error("more than one root element");
      stack.push(f);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  const names = root.children ? Object.keys(root.children) : [];
  if (names.length !== 1) throw new Error("no root element");
  return { name: names[0], value: root.children?.[names[0]] as Xml | null };
}

export interface SoapReply {
  /** The body's element (e.g. RetrievePropertiesExResponse), or the fault. */
  response?: XmlObject | string | null;
  fault?: { faultstring?: Xml; detail?: Xml };
}

/** The Body of a SOAP envelope: the method's response element or its Fault. */
export function readEnvelope(text: string): SoapReply {
  const { name, value } = parseXml(text);
  if (name !== "Envelope" || !value || typeof value !== "object" || Array.isArray(value))
    throw new Error(`not a SOAP envelope (root element ${name})`);
  const body = value.Body;
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("SOAP envelope without a Body");
  const b = body;
  const keys = Object.keys(b).filter((k) => k !== "attributes");
  if (keys.length !== 1) throw new Error(`SOAP Body with ${keys.length} elements`);
  const inner = b[keys[0]] as Xml | null;
  if (keys[0] === "Fault") {
    const f = inner && typeof inner === "object" && !Array.isArray(inner) ? inner : {};
    return { fault: { faultstring: f.faultstring, detail: f.detail } };
  }
  if (Array.isArray(inner)) throw new Error("SOAP Body with repeated elements");
  return { response: inner };
}
