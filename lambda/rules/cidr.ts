/**
 * IPv4 / IPv6 addresses and CIDR subnets for `cidr()`: a small parser, no network library.
 *
 * - IPv4: dotted quad, each part a decimal 0–255.
 * - IPv6: eight groups of 1–4 hex digits in any case, one `::` run of zero groups, an optional trailing dotted
 *   quad (`::ffff:10.0.0.1`), an optional zone (`fe80::1%eth0`, ignored). Every spelling of an address is the same
 *   address: `0:0:0:0:0:0:0:1` is `::1`.
 * - IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are the IPv4 address (as Java, which LogScale runs on, reads
 *   them), so they match IPv4 subnets; other IPv6 addresses never match an IPv4 subnet, nor the reverse.
 * - A subnet is `address/length` or a bare address (a single host). Host bits below the length are ignored
 *   (`10.1.2.3/8` is `10.0.0.0/8`).
 */

export type Ip = { v: 4; n: number } | { v: 6; n: bigint };

export interface Subnet {
  v: 4 | 6;
  /** Network bits, masked. */
  net: bigint;
  bits: number;
}

function parseV4(s: string): number | undefined {
  // A character scan (no split, no regex per octet): every connection event of a rule with cidr() comes through here.
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - 0x30);
    } else if (c === 0x2e) {
      if (digits === 0 || octet > 255 || ++dots > 3) return undefined;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return undefined;
  return n * 256 + octet;
}

function parseV6(input: string): bigint | undefined {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) {
    if (zone === s.length - 1) return undefined;
    s = s.slice(0, zone);
  }
  let tail: number[] = [];
  // A trailing dotted quad is the last two groups.
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const want = 8 - tail.length;
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::') && dbl >= 0) return undefined;
  const group = (g: string): number | undefined => (/^[0-9A-Fa-f]{1,4}$/.test(g) ? parseInt(g, 16) : undefined);
  let groups: number[];
  if (dbl >= 0) {
    const head = s.slice(0, dbl);
    const rest = s.slice(dbl + 2);
    const hs = head === '' ? [] : head.split(':');
    const rs = rest === '' ? [] : rest.split(':');
    if (hs.length + rs.length > want - 1) return undefined;
    const h = hs.map(group);
    const r = rs.map(group);
    if (h.some((x) => x === undefined) || r.some((x) => x === undefined)) return undefined;
    groups = [...(h as number[]), ...new Array<number>(want - hs.length - rs.length).fill(0), ...(r as number[])];
  } else {
    const gs = s === '' ? [] : s.split(':');
    if (gs.length !== want) return undefined;
    const g = gs.map(group);
    if (g.some((x) => x === undefined)) return undefined;
    groups = g as number[];
  }
  let n = 0n;
  for (const g of [...groups, ...tail]) n = (n << 16n) | BigInt(g);
  return n;
}

/** Parses an address; IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(s: string): Ip | undefined {
  if (s.includes(':')) {
    const n = parseV6(s);
    if (n === undefined) return undefined;
    if (n >> 32n === 0xffffn) return { v: 4, n: Number(n & 0xffffffffn) };
    return { v: 6, n };
  }
  const n = parseV4(s);
  return n === undefined ? undefined : { v: 4, n };
}

/** Parses `address[/length]`; undefined when invalid. */
export function parseSubnet(s: string): Subnet | undefined {
  const slash = s.indexOf('/');
  const addr = slash >= 0 ? s.slice(0, slash) : s;
  const lenText = slash >= 0 ? s.slice(slash + 1) : undefined;
  if (lenText !== undefined && !/^\d{1,3}$/.test(lenText)) return undefined;
  if (addr.includes(':')) {
    const n = parseV6(addr);
    if (n === undefined) return undefined;
    const bits = lenText === undefined ? 128 : Number(lenText);
    if (bits > 128) return undefined;
    // An IPv4-mapped subnet (::ffff:10.0.0.0/104) is the IPv4 subnet.
    if (n >> 32n === 0xffffn && bits >= 96) return v4Subnet(Number(n & 0xffffffffn), bits - 96);
    const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
    return { v: 6, net: n & mask, bits };
  }
  const n = parseV4(addr);
  if (n === undefined) return undefined;
  const bits = lenText === undefined ? 32 : Number(lenText);
  if (bits > 32) return undefined;
  return v4Subnet(n, bits);
}

function v4Subnet(n: number, bits: number): Subnet {
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(32 - bits);
  return { v: 4, net: BigInt(n) & mask, bits };
}

/** A matcher for a list of subnets: true when the value is an address inside one of them. */
export function subnetMatcher(subnets: Subnet[]): (value: string) => boolean {
  const v4 = subnets.filter((s) => s.v === 4).map((s) => ({ net: Number(s.net), mask: s.bits === 0 ? 0 : (0xffffffff << (32 - s.bits)) >>> 0 }));
  const v6 = subnets.filter((s) => s.v === 6).map((s) => ({ net: s.net, mask: s.bits === 0 ? 0n : ((1n << BigInt(s.bits)) - 1n) << BigInt(128 - s.bits) }));
  return (value) => {
    const ip = parseIp(value);
    if (ip === undefined) return false;
    if (ip.v === 4) {
      for (const s of v4) if (((ip.n & s.mask) >>> 0) === s.net) return true;
      return false;
    }
    for (const s of v6) if ((ip.n & s.mask) === s.net) return true;
    return false;
  };
}
