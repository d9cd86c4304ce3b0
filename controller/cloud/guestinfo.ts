// Statically configured addresses from a VM's cloud-init metadata (extraConfig guestinfo.metadata),
// which upstream (nodemanager.go sortStaticallyConfiguredAddressesFirst) prefers over other guest
// IPs: when a VM has a static address and DHCP or SLAAC ones, the static one is the node's.
// Layout (netplan v2 inside cloud-init metadata):
//   guestinfo.metadata           the metadata YAML, encoded per guestinfo.metadata.encoding
//   metadata `network`           a mapping with `ethernets`, or, when `network.encoding` is
//                                base64|b64|gzip+base64|gz+b64, a string holding the encoded netplan
//   ethernets.<id>.addresses     ["10.0.0.5/24", "fd00::5/64", ...]
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { parseIp } from "./ip.js";

export type StaticAddresses = { addresses: string[]; note: string } | { reason: string };

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, as Go's base64.StdEncoding (which skips CR and LF). */
function strictBase64(text: string): Buffer | undefined {
  const t = text.replace(/[\r\n]/g, "");
  return B64_RE.test(t) ? Buffer.from(t, "base64") : undefined;
}

type Decoded = { text: string } | { reason: string };

const MAX_INFLATED = 4 * 1024 * 1024;

function decode(value: string, encoding: string, what: string): Decoded {
  if (encoding === "") return { text: value };
  const gz = encoding === "gzip+base64" || encoding === "gz+b64";
  if (!gz && encoding !== "base64" && encoding !== "b64") return { reason: `${what}: unknown encoding "${encoding}"` };
  const bytes = strictBase64(value);
  if (!bytes) return { reason: `${what} is not valid base64` };
  if (!gz) return { text: bytes.toString("utf8") };
  try {
    // Bounded: extraConfig is guest-writable input, and a small gzip can inflate without limit.
    return { text: gunzipSync(bytes, { maxOutputLength: MAX_INFLATED }).toString("utf8") };
  } catch (err) {
    return { reason: `${what} could not be un-gzipped: ${(err as Error).message}` };
  }
}

type Yaml = { value: unknown } | { reason: string };

function parseYaml(text: string, what: string): Yaml {
  try {
    return { value: parse(text, { version: "1.1" }) as unknown };
  } catch (err) {
    return { reason: `${what} is not valid YAML: ${(err as Error).message.split("\n")[0]}` };
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The netplan mapping (with `ethernets`) from the metadata's `network` key, decoding it when asked. */
function networkConfig(meta: Record<string, unknown>): { config: unknown; how: string } | { reason: string } {
  const enc = meta["network.encoding"];
  const network = meta.network;
  const encoding = typeof enc === "string" ? enc.trim().toLowerCase() : "";
  if (encoding === "" || !["base64", "b64", "gzip+base64", "gz+b64"].includes(encoding)) {
    if (network !== undefined && network !== null && !isMapping(network)) {
      return { reason: "guestinfo.metadata: `network` is not a mapping" };
    }
    return { config: network, how: "plain network" };
  }
  // Upstream decodes a missing network as empty: no addresses, no error.
  if (network === undefined || network === null) return { config: undefined, how: `network ${encoding}` };
  if (typeof network !== "string")
    return { reason: `guestinfo.metadata: network.encoding is ${encoding} but network is not a string` };
  const text = decode(network, encoding, "guestinfo.metadata network");
  if ("reason" in text) return text;
  const y = parseYaml(text.text, "guestinfo.metadata network");
  if ("reason" in y) return y;
  // Upstream reads the decoded netplan with top-level `ethernets`; cloud-init also accepts it
  // wrapped in `network:`, so take either.
  const wrapped = isMapping(y.value) && !("ethernets" in y.value) && isMapping(y.value.network);
  return { config: wrapped ? (y.value as { network: unknown }).network : y.value, how: `network ${encoding}` };
}

/** Addresses (canonical text, document order, first occurrence) listed under ethernets.*.addresses. */
function ethernetAddresses(config: unknown): { addresses: string[] } | { reason: string } {
  if (config === undefined || config === null) return { addresses: [] };
  if (!isMapping(config)) return { reason: "guestinfo.metadata: network config is not a mapping" };
  const ethernets = config.ethernets;
  if (ethernets === undefined || ethernets === null) return { addresses: [] };
  if (!isMapping(ethernets)) return { reason: "guestinfo.metadata: `ethernets` is not a mapping" };
  const out: string[] = [];
  for (const eth of Object.values(ethernets)) {
    const list = isMapping(eth) ? eth.addresses : undefined;
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      // netplan allows `- "10.0.0.5/24": {lifetime: 0}` as well as plain strings.
      const text = typeof item === "string" ? item : isMapping(item) ? Object.keys(item)[0] : undefined;
      const ip = text === undefined ? undefined : parseIp(text.split("/")[0].trim());
      if (ip && !out.includes(ip.canonical)) out.push(ip.canonical);
    }
  }
  return { addresses: out };
}

/**
 * The static addresses of a VM's guestinfo metadata, or a reason when the metadata is present but
 * cannot be read (upstream then fails the node's discovery too). No metadata means no addresses.
 */
export function staticAddresses(metadata: string | undefined, encoding: string | undefined): StaticAddresses {
  if (!metadata) return { addresses: [], note: "no guestinfo.metadata" };
  const enc = (encoding ?? "").trim().toLowerCase();
  if (enc !== "" && !["base64", "b64", "gzip+base64", "gz+b64"].includes(enc)) {
    return { addresses: [], note: `guestinfo.metadata.encoding "${encoding}" is not supported: metadata ignored` };
  }
  const text = decode(metadata, enc, "guestinfo.metadata");
  if ("reason" in text) return text;
  const y = parseYaml(text.text, "guestinfo.metadata");
  if ("reason" in y) return y;
  if (!isMapping(y.value)) return { reason: "guestinfo.metadata is not a YAML mapping" };
  const net = networkConfig(y.value);
  if ("reason" in net) return net;
  const found = ethernetAddresses(net.config);
  if ("reason" in found) return found;
  const how = `guestinfo.metadata (${enc || "plain"}, ${net.how})`;
  return {
    addresses: found.addresses,
    note: found.addresses.length
      ? `${how} configures static addresses ${found.addresses.join(", ")}`
      : `${how} configures no static addresses`,
  };
}
