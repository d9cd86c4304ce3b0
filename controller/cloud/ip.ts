// IP parsing with Go's net package semantics, because upstream's address rules are written in
// terms of net.ParseIP / net.ParseCIDR / IPNet.Contains and we must pick the same addresses:
//   - an address is IPv4 when it is dotted-quad or IPv4-mapped IPv6 (::ffff:a.b.c.d), as ip.To4();
//   - a CIDR contains only addresses of its family (an IPv4-mapped IPv6 network is an IPv4 one);
//   - "local only" means invalid, unspecified, link-local multicast, link-local unicast or loopback.

export interface ParsedIp {
  /** 4 when the address is IPv4 or IPv4-mapped IPv6 (Go's ip.To4() != nil). */
  family: 4 | 6;
  /** 4 bytes for family 4, 16 for family 6. */
  bytes: Uint8Array;
  /** Go's ip.String(): dotted quad, or RFC 5952 compressed lower-case IPv6. */
  canonical: string;
}

export interface ParsedCidr {
  text: string;
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // Go (since 1.17) rejects leading zeros: "010.0.0.1" is not an address.
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseGroups(part: string, v4Tail: boolean): number[] | undefined {
  if (part === "") return [];
  const groups: number[] = [];
  const items = part.split(":");
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (v4Tail && i === items.length - 1 && item.includes(".")) {
      const v4 = parseV4(item);
      if (!v4) return undefined;
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
      groups.push(parseInt(item, 16));
    }
  }
  return groups;
}

function parseV6(s: string): Uint8Array | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  // An embedded IPv4 address may only end the whole address.
  const head = parseGroups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1], true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

const isV4Mapped = (b: Uint8Array) => b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

function formatV6(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  // Longest run of at least two zero groups, leftmost on a tie (RFC 5952, as Go).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

/** Parses an address as Go's net.ParseIP does (no zones, no leading zeros in IPv4). */
export function parseIp(text: string): ParsedIp | undefined {
  if (text.includes(".") && !text.includes(":")) {
    const v4 = parseV4(text);
    return v4 && { family: 4, bytes: v4, canonical: [...v4].join(".") };
  }
  if (!text.includes(":")) return undefined;
  const v6 = parseV6(text);
  if (!v6) return undefined;
  if (isV4Mapped(v6)) {
    const v4 = v6.slice(12);
    return { family: 4, bytes: v4, canonical: [...v4].join(".") };
  }
  return { family: 6, bytes: v6, canonical: formatV6(v6) };
}

/** Canonical text of an address, or the input unchanged when it does not parse. */
export const canonicalIp = (text: string): string => parseIp(text)?.canonical ?? text;

/** Parses "ip/prefix" as Go's net.ParseCIDR does; the family is the literal's. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const t = text.trim();
  const slash = t.indexOf("/");
  if (slash < 0) return undefined;
  const addr = t.slice(0, slash);
  const bits = t.slice(slash + 1);
  const literalV4 = !addr.includes(":");
  const bytes = literalV4 ? parseV4(addr) : parseV6(addr);
  if (!bytes || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > bytes.length * 8) return undefined;
  if (!literalV4 && prefix >= 96 && isV4Mapped(bytes)) {
    // Go matches an IPv4-mapped network (::ffff:10.0.0.0/104) as the IPv4 network 10.0.0.0/8.
    return { text: t, family: 4, bytes: bytes.slice(12), prefix: prefix - 96 };
  }
  return { text: t, family: literalV4 ? 4 : 6, bytes, prefix };
}

/** IPNet.Contains: same family, same leading `prefix` bits. */
export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  for (let bit = 0; bit < cidr.prefix; bit++) {
    const i = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((cidr.bytes[i] & mask) !== (ip.bytes[i] & mask)) return false;
  }
  return true;
}

/**
 * Why an address is usable only inside the guest (upstream's ErrOnLocalOnlyIPAddr), or
 * undefined when it may be published on the Node.
 */
export function localOnlyReason(text: string): string | undefined {
  const ip = parseIp(text);
  if (!ip) return "invalid";
  const b = ip.bytes;
  if (b.every((x) => x === 0)) return "unspecified";
  if (ip.family === 4) {
    if (b[0] === 224 && b[1] === 0 && b[2] === 0) return "link-local multicast";
    if (b[0] === 169 && b[1] === 254) return "link-local unicast";
    if (b[0] === 127) return "loopback";
    return undefined;
  }
  if (b[0] === 0xff && (b[1] & 0x0f) === 0x02) return "link-local multicast";
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return "link-local unicast";
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return "loopback";
  return undefined;
}

/** Parses a list of CIDRs; the first one that does not parse is returned as `bad`. */
export function parseCidrs(texts: readonly string[] | undefined): { cidrs: ParsedCidr[] } | { bad: string } {
  const cidrs: ParsedCidr[] = [];
  for (const t of texts ?? []) {
    if (t.trim() === "") continue;
    const c = parseCidr(t);
    if (!c) return { bad: t };
    cidrs.push(c);
  }
  return { cidrs };
}
