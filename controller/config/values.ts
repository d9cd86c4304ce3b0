// Turning written values into typed ones, the same way for YAML, INI and the environment.
// Messages quote the value except for secrets.
import { isIP, isIPv6 } from "node:net";
import { normalizeThumbprint } from "../../vsphere/tls.js";
import type { FieldSpec } from "./schema.js";

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string; fix: string };

/** `undefined`: the value is empty, which means "not set" for every key (as `secret-name = ""` in upstream's sample). */
export function coerce(spec: FieldSpec, raw: string | readonly string[]): Coerced | undefined {
  if (typeof raw !== "string" && !isListType(spec)) {
    return { ok: false, message: "must be a single value, not a list", fix: `write one ${spec.doc}` };
  }
  const text = typeof raw === "string" ? raw : "";
  switch (spec.type) {
    case "string":
    case "secret":
      return text === "" ? undefined : { ok: true, value: text };
    case "server":
      return text === "" ? undefined : checkServer(text);
    case "bool":
      return text === "" ? undefined : parseBool(text);
    case "port":
      return text.trim() === "" ? undefined : parsePort(text.trim());
    case "count":
      return text.trim() === "" ? undefined : parseCount(text.trim());
    case "thumbprint":
      return text.trim() === "" ? undefined : checkThumbprint(text.trim());
    case "list":
      return nonEmpty(toList(raw));
    case "ipFamily":
      return checkIpFamilies(toList(raw));
    case "cidrs":
      return checkCidrs(toList(raw));
  }
}

function isListType(spec: FieldSpec): boolean {
  return spec.type === "list" || spec.type === "ipFamily" || spec.type === "cidrs";
}

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** Comma-separated text, or a list of items; blanks dropped, items trimmed. */
export function toList(raw: string | readonly string[]): string[] {
  const items = typeof raw === "string" ? raw.split(",") : raw;
  return items.map((s) => s.trim()).filter((s) => s !== "");
}

function nonEmpty(items: string[]): Coerced | undefined {
  return items.length === 0 ? undefined : { ok: true, value: items };
}

const TRUE = new Set(["true", "yes", "on", "1", "t"]);
const FALSE = new Set(["false", "no", "off", "0", "f"]);

/** gcfg's words (true/yes/on/1, false/no/off/0, any case) plus Go's strconv.ParseBool (t/f), used by the env. */
export function parseBool(text: string): Coerced {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return { ok: true, value: true };
  if (FALSE.has(t)) return { ok: true, value: false };
  return { ok: false, message: `${quote(text)} is not a boolean`, fix: "write true or false" };
}

function parsePort(text: string): Coerced {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (n >= 1 && n <= 65535) return { ok: true, value: n };
  return { ok: false, message: `${quote(text)} is not a TCP port`, fix: "write a number from 1 to 65535, e.g. 443" };
}

function parseCount(text: string): Coerced | undefined {
  const n = /^\d{1,10}$/.test(text) ? Number(text) : /^0x[0-9a-f]{1,8}$/i.test(text) ? parseInt(text, 16) : NaN;
  if (n === 0) return undefined; // upstream: 0 means "use the default"
  if (n > 0 && n <= 0xffffffff) return { ok: true, value: n };
  return { ok: false, message: `${quote(text)} is not a positive whole number`, fix: "write a number such as 3" };
}

function checkThumbprint(text: string): Coerced {
  try {
    normalizeThumbprint(text);
    return { ok: true, value: text };
  } catch {
    return {
      ok: false,
      message: `${quote(text)} is not a SHA-1 or SHA-256 fingerprint`,
      fix: "write 40 or 64 hex digits, colons optional, e.g. the output of `openssl x509 -noout -fingerprint -sha1`",
    };
  }
}

function checkServer(text: string): Coerced {
  const bad = (message: string, fix: string): Coerced => ({ ok: false, message: `${quote(text)} ${message}`, fix });
  if (/\s/.test(text)) return bad("contains white space", "write the bare host name or IP address");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return bad("is a URL", "write only the host name or IP address; the port goes in port");
  }
  if (text.startsWith("[") && text.endsWith("]")) return bad("has brackets", "write the IPv6 address without them");
  if (text.includes("/")) return bad("contains a path", "write only the host name or IP address");
  if (text.includes(":") && !isIPv6(text)) {
    return /^[^:]+:\d+$/.test(text)
      ? bad("includes a port", "write the host alone and the port in port")
      : bad("is not a host name or IP address", "write e.g. vcenter.example.com or 10.0.0.1");
  }
  if (!text.includes(":") && !/^[A-Za-z0-9_.-]+$/.test(text)) {
    return bad("is not a host name or IP address", "write e.g. vcenter.example.com or 10.0.0.1");
  }
  return { ok: true, value: text };
}

function checkIpFamilies(items: string[]): Coerced | undefined {
  if (items.length === 0) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const v = item.toLowerCase();
    if (v !== "ipv4" && v !== "ipv6") {
      return {
        ok: false,
        message: `${quote(item)} is not an IP family`,
        fix: "write ipv4, ipv6, or both in priority order",
      };
    }
    if (out.includes(v)) return { ok: false, message: `${v} is listed twice`, fix: "list each family once" };
    out.push(v);
  }
  return { ok: true, value: out };
}

function checkCidrs(items: string[]): Coerced | undefined {
  if (items.length === 0) return undefined;
  for (const item of items) {
    if (!isCidr(item)) {
      return {
        ok: false,
        message: `${quote(item)} is not a CIDR`,
        fix: "write address/prefix, e.g. 10.0.0.0/24 or fd00::/64, several separated by commas",
      };
    }
  }
  return { ok: true, value: items };
}

export function isCidr(text: string): boolean {
  const m = /^([^/%]+)\/(\d{1,3})$/.exec(text);
  if (!m) return false;
  const family = isIP(m[1]);
  const bits = Number(m[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}
