import { isIP } from 'node:net';

/**
 * Where a webhook may go, as pure functions. Unless the operator allows private networks
 * (`WEBHOOK_ALLOW_PRIVATE_NETWORKS`, for development), a webhook reaches public addresses
 * only: a developer must not make the server POST into its own network and show them the
 * answer. The registry refuses such URLs; the delivery checks every address the host
 * resolves to at connect time, so a name that later resolves to a private address (DNS
 * rebinding) is refused too.
 */

/** IPv4 ranges no webhook may reach: [first octets as a 32-bit number, prefix length]. */
const PRIVATE_V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function v4ToNumber(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inV4Range(value: number, [base, bits]: readonly [string, number]): boolean {
  const size = 2 ** (32 - bits);
  const start = v4ToNumber(base);
  return value >= start && value < start + size;
}

function isPrivateV4(address: string): boolean {
  const value = v4ToNumber(address);
  return PRIVATE_V4.some((range) => inV4Range(value, range));
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded dotted IPv4 tail included). */
function v6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const v4 = v4ToNumber(tail[1]);
    text = `${text.slice(0, tail.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = rest === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
}

function groupsToV4(high: number, low: number): string {
  return [high >>> 8, high & 0xff, low >>> 8, low & 0xff].join('.');
}

function isPrivateV6(address: string): boolean {
  const g = v6Groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const upper80Zero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped).
  if (upper80Zero && g5 === 0) return true;
  if (upper80Zero && g5 === 0xffff) return isPrivateV4(groupsToV4(g6, g7));
  // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isPrivateV4(groupsToV4(g6, g7));
  }
  if (g0 === 0x2002) return isPrivateV4(groupsToV4(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return true; // ff00::/8 multicast
  return false;
}

/**
 * Whether an IP address (v4 or v6, without brackets) is loopback, private, link-local,
 * unique-local, carrier-grade NAT, multicast, unspecified or otherwise not public. Anything
 * that is not an IP address counts as private: it cannot be vouched for.
 */
export function isPrivateAddress(address: string): boolean {
  const kind = isIP(address.replace(/%.*$/, ''));
  if (kind === 4) return isPrivateV4(address);
  if (kind === 6) return isPrivateV6(address);
  return true;
}

/** A URL's hostname without the brackets of an IPv6 literal or a trailing dot. */
export function bareHostname(hostname: string): string {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return host.endsWith('.') ? host.slice(0, -1).toLowerCase() : host.toLowerCase();
}

/**
 * Why a webhook URL's host is not allowed when private networks are not (`localhost`, an IP
 * literal in a private range), or null when it may be registered: a name is checked again,
 * address by address, when a delivery connects.
 */
export function privateWebhookHost(url: string): string | null {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return null;
  }
  const host = bareHostname(hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine`;
  if (isIP(host) !== 0 && isPrivateAddress(host)) return `${host} is a private or reserved address`;
  return null;
}
