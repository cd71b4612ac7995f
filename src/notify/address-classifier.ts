import { isIP } from 'node:net';

/**
 * What kind of IP address a webhook would connect to. Only `public` may be reached (unless the host is
 * allowlisted); everything else is an SSRF target: the host itself, the private network, a cloud
 * metadata service (169.254.169.254), carrier NAT, multicast, documentation and reserved ranges.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'cgnat'
  | 'multicast'
  | 'reserved'
  | 'invalid';

interface Range {
  readonly bytes: readonly number[];
  readonly prefix: number;
  readonly kind: Exclude<AddressClass, 'public' | 'invalid'>;
}

const v4 = (text: string, prefix: number, kind: Range['kind']): Range => ({
  bytes: text.split('.').map(Number),
  prefix,
  kind,
});

/** IPv4 ranges that are not the public internet (RFC 6890 and friends). First match wins. */
const IPV4_RANGES: readonly Range[] = [
  v4('0.0.0.0', 8, 'unspecified'), // "this network"; 0.0.0.0 reaches the host itself on Linux
  v4('127.0.0.0', 8, 'loopback'),
  v4('10.0.0.0', 8, 'private'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.168.0.0', 16, 'private'),
  v4('169.254.0.0', 16, 'link-local'), // includes the metadata service 169.254.169.254
  v4('100.64.0.0', 10, 'cgnat'),
  v4('192.0.0.0', 24, 'reserved'), // IETF protocol assignments
  v4('192.0.2.0', 24, 'reserved'), // TEST-NET-1
  v4('198.18.0.0', 15, 'reserved'), // benchmarking
  v4('198.51.100.0', 24, 'reserved'), // TEST-NET-2
  v4('203.0.113.0', 24, 'reserved'), // TEST-NET-3
  v4('224.0.0.0', 4, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'), // includes 255.255.255.255
];

function parseIpv4(text: string): number[] | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').map(Number);
}

/** 16 bytes of an IPv6 address (an embedded dotted IPv4 tail allowed), or undefined. */
function parseIpv6(text: string): number[] | undefined {
  let bare = text.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  if (isIP(bare) !== 6) return undefined;
  const lastColon = bare.lastIndexOf(':');
  const tail = bare.slice(lastColon + 1);
  if (tail.includes('.')) {
    const four = parseIpv4(tail);
    if (four === undefined) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = four;
    bare = `${bare.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const left = groupsOf(halves[0]);
  const right = groupsOf(halves[1]);
  const fill = halves.length === 2 ? 8 - left.length - right.length : 0;
  if (fill < 0) return undefined;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  const bytes: number[] = [];
  for (const g of groups) {
    const n = Number.parseInt(g, 16);
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) return undefined;
    bytes.push(n >> 8, n & 0xff);
  }
  return bytes;
}

function matches(bytes: readonly number[], range: Range): boolean {
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyIpv4Bytes(bytes: readonly number[]): AddressClass {
  return IPV4_RANGES.find((r) => matches(bytes, r))?.kind ?? 'public';
}

const startsWith = (bytes: readonly number[], prefix: readonly number[]) =>
  prefix.every((b, i) => bytes[i] === b);

function classifyIpv6Bytes(b: readonly number[]): AddressClass {
  if (b.every((x) => x === 0)) return 'unspecified'; // ::
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return 'loopback'; // ::1
  // Addresses that carry an IPv4 address: judge the IPv4 inside.
  if (startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return classifyIpv4Bytes(b.slice(12)); // ::ffff:a.b.c.d
  if (b.slice(0, 12).every((x) => x === 0)) return classifyIpv4Bytes(b.slice(12)); // ::a.b.c.d (deprecated)
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b])) return classifyIpv4Bytes(b.slice(12)); // NAT64 64:ff9b::/96 (+/48)
  if (startsWith(b, [0x20, 0x02])) return classifyIpv4Bytes(b.slice(2, 6)); // 6to4 2002::/16
  const first = b[0] ?? 0;
  const second = b[1] ?? 0;
  if ((first & 0xfe) === 0xfc) return 'private'; // fc00::/7 unique local
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'private'; // fec0::/10 site-local (deprecated)
  if (first === 0xff) return 'multicast';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8])) return 'reserved'; // documentation 2001:db8::/32
  if (startsWith(b, [0x20, 0x01, 0x00]) && ((b[3] ?? 0) & 0xfe) === 0) return 'reserved'; // 2001::/23 IETF (Teredo etc.)
  if (startsWith(b, [0x01, 0x00, 0, 0, 0, 0, 0, 0])) return 'reserved'; // discard-only 100::/64
  // Only 2000::/3 is global unicast today; anything else is unassigned.
  if ((first & 0xe0) !== 0x20) return 'reserved';
  return 'public';
}

/**
 * Classifies an IP literal (IPv4, IPv6, IPv4-mapped IPv6, with or without brackets). Anything that is
 * not an IP literal is `invalid`. Pure; no DNS.
 */
export function classifyAddress(address: string): AddressClass {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const four = parseIpv4(text);
  if (four !== undefined) return classifyIpv4Bytes(four);
  const six = parseIpv6(text);
  if (six !== undefined) return classifyIpv6Bytes(six);
  return 'invalid';
}

/** True when a webhook may connect to `address` without an allowlist entry. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}
