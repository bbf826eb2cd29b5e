/** IPv4/IPv6 parsing and CIDR matching on bigints. Pure; used by `ip_in_cidr`. */

export type Ip = { version: 4 | 6; bits: bigint };
export type Cidr = { version: 4 | 6; network: bigint; prefix: number };

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out = (out << 8n) | BigInt(n);
  }
  return out;
}

function parseIpv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return undefined;
  let tail4: bigint | undefined;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tail4 = parseIpv4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    text = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let out = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (tail4 !== undefined) out = (out & ~0xffffffffn) | tail4;
  return out;
}

export function parseIp(s: string): Ip | undefined {
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return { version: 4, bits: v4 };
  const v6 = parseIpv6(s);
  if (v6 === undefined) return undefined;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) compares as IPv4.
  if (v6 >> 32n === 0xffffn) return { version: 4, bits: v6 & 0xffffffffn };
  return { version: 6, bits: v6 };
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const ip = parseIp(slash === -1 ? s : s.slice(0, slash));
  if (!ip) return undefined;
  const width = ip.version === 4 ? 32 : 128;
  let prefix = width;
  if (slash !== -1) {
    const p = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > width) return undefined;
  }
  return { version: ip.version, network: mask(ip.bits, prefix, width), prefix };
}

function mask(bits: bigint, prefix: number, width: number): bigint {
  if (prefix === 0) return 0n;
  const hostBits = BigInt(width - prefix);
  return (bits >> hostBits) << hostBits;
}

export function ipInCidr(ip: Ip, cidr: Cidr): boolean {
  if (ip.version !== cidr.version) return false;
  return mask(ip.bits, cidr.prefix, ip.version === 4 ? 32 : 128) === cidr.network;
}
