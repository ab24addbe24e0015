import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

// SSRF protection for webhook URLs. A subscriber URL is checked when it is saved and again at
// every send: the host is resolved once, every address it resolves to must be a public unicast
// address, and the request then connects to exactly those addresses (see webhooks.sender.ts), so
// a DNS answer that changes between the check and the connection (rebinding) cannot slip through.
// WEBHOOK_ALLOW_PRIVATE_NETWORKS=true turns the address rule off (local development, tests).

type Bytes = readonly number[];

interface Range {
  prefix: Bytes;
  bits: number;
  label: string;
  /** Where, in an IPv6 address of this range, an IPv4 address is embedded (checked in turn). */
  embedsIpv4At?: number;
}

export function ipv4Bytes(address: string): Bytes | undefined {
  if (isIP(address) !== 4) return undefined;
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (with `::`, an embedded dotted quad, or a `%zone`). */
export function ipv6Bytes(address: string): Bytes | undefined {
  const bare = address.split('%')[0]!;
  if (isIP(bare) !== 6) return undefined;
  let text = bare;
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail.push(...ipv4Bytes(dotted[1]!)!);
    text = `${text.slice(0, dotted.index)}:0:0`; // two placeholder groups, replaced below
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g.length > 0) : []);
  const left = groups(head);
  const right = groups(rest);
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const all = [...left, ...zeros, ...right];
  const bytes = all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes.length === 16 ? bytes : undefined;
}

function range(cidr: string, label: string, embedsIpv4At?: number): Range {
  const [address, bits] = cidr.split('/') as [string, string];
  const prefix = ipv4Bytes(address) ?? ipv6Bytes(address)!;
  return { prefix, bits: Number(bits), label, ...(embedsIpv4At === undefined ? {} : { embedsIpv4At }) };
}

const IPV4_BLOCKED: Range[] = [
  range('0.0.0.0/8', '"this network" address'),
  range('10.0.0.0/8', 'private network address'),
  range('100.64.0.0/10', 'carrier-grade NAT address'),
  range('127.0.0.0/8', 'loopback address'),
  range('169.254.0.0/16', 'link-local address (cloud metadata lives here)'),
  range('172.16.0.0/12', 'private network address'),
  range('192.0.0.0/24', 'IETF protocol address'),
  range('192.0.2.0/24', 'documentation address'),
  range('192.88.99.0/24', '6to4 relay address'),
  range('192.168.0.0/16', 'private network address'),
  range('198.18.0.0/15', 'benchmarking address'),
  range('198.51.100.0/24', 'documentation address'),
  range('203.0.113.0/24', 'documentation address'),
  range('224.0.0.0/4', 'multicast address'),
  range('240.0.0.0/4', 'reserved address'),
];

const IPV6_BLOCKED: Range[] = [
  range('::/128', 'unspecified address'),
  range('::1/128', 'loopback address'),
  range('::ffff:0:0/96', 'IPv4-mapped address', 12),
  range('::/96', 'IPv4-compatible address'),
  range('64:ff9b::/96', 'NAT64 address', 12),
  range('64:ff9b:1::/48', 'local NAT64 address'),
  range('100::/64', 'discard address'),
  range('2001::/32', 'Teredo address'),
  range('2001:db8::/32', 'documentation address'),
  range('2002::/16', '6to4 address', 2),
  range('fc00::/7', 'unique local (private) address'),
  range('fe80::/10', 'link-local address'),
  range('fec0::/10', 'site-local address'),
  range('ff00::/8', 'multicast address'),
];

function matches(bytes: Bytes, r: Range): boolean {
  for (let bit = 0; bit < r.bits; bit += 8) {
    const take = Math.min(8, r.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (r.prefix[bit / 8]! & mask)) return false;
  }
  return true;
}

function blockedIpv4(bytes: Bytes): string | undefined {
  return IPV4_BLOCKED.find((r) => matches(bytes, r))?.label;
}

/**
 * Why an IP address may not receive webhooks (loopback, private, link-local, …), or undefined
 * for a public unicast address. An IPv4 address inside an IPv6 one (mapped, NAT64, 6to4) is
 * judged as itself.
 */
export function blockedAddressReason(address: string): string | undefined {
  const v4 = ipv4Bytes(address);
  if (v4) return blockedIpv4(v4);
  const v6 = ipv6Bytes(address);
  if (!v6) return 'not an IP address';
  const hit = IPV6_BLOCKED.find((r) => matches(v6, r));
  if (!hit) return undefined;
  if (hit.embedsIpv4At === undefined) return hit.label;
  const inner = blockedIpv4(v6.slice(hit.embedsIpv4At, hit.embedsIpv4At + 4));
  return inner ? `${hit.label} of a ${inner}` : undefined;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** The rules a URL's text must meet: http(s), a host, no user name or password in it. */
export function checkUrlSyntax(raw: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: 'must use http or https' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not contain a user name or password' };
  if (!url.hostname) return { ok: false, reason: 'must have a host' };
  return { ok: true, url };
}

/** The URL's host as dns.lookup takes it (IPv6 literals lose their brackets). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

export type Resolution = { ok: true; addresses: LookupAddress[] } | { ok: false; reason: string };

/**
 * Resolves the host once; with `allowPrivate` false, refuses it unless every address is public.
 * The caller connects to the returned addresses only.
 */
export async function resolveAllowed(hostname: string, allowPrivate: boolean): Promise<Resolution> {
  let addresses: LookupAddress[];
  try {
    addresses = await lookup(hostname, { all: true, verbatim: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, reason: `host '${hostname}' does not resolve (${code})` };
  }
  if (addresses.length === 0) return { ok: false, reason: `host '${hostname}' does not resolve` };
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) {
        const where = address === hostname ? address : `'${hostname}' resolves to ${address}`;
        return { ok: false, reason: `must not point to a private or reserved network: ${where} (${reason})` };
      }
    }
  }
  return { ok: true, addresses };
}

/** The full check made when a URL is saved: its text, then (unless allowed) where it points. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<UrlCheck> {
  const syntax = checkUrlSyntax(raw);
  if (!syntax.ok || allowPrivate) return syntax;
  const resolved = await resolveAllowed(hostOf(syntax.url), false);
  return resolved.ok ? syntax : resolved;
}
