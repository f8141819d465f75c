/**
 * Which hosts a Client ID Metadata Document may be fetched from: not an
 * address of a private, link-local, shared, reserved or multicast network,
 * nor a name only a local resolver knows, so that a `client_id` cannot aim
 * this server's fetch at the developer's network or a cloud metadata
 * service (server-side request forgery). This machine's loopback names
 * (`127.0.0.1`, `[::1]`, `localhost`) stay allowed for local development.
 * Only the URL is read: a public name that resolves to a private address is
 * not detected here. Internal.
 *
 * @module
 */

import { isLoopbackHost } from "../_internal/url.ts";

/**
 * IPv4 ranges that are not the public Internet (RFC 6890 and its updates):
 * [first octets as a 32-bit number, prefix length].
 */
const IPV4_NON_PUBLIC: readonly (readonly [number, number])[] = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // private (RFC 1918)
  [0x64400000, 10], // shared address space (RFC 6598)
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, cloud metadata services
  [0xac100000, 12], // private (RFC 1918)
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0000200, 24], // documentation
  [0xc0a80000, 16], // private (RFC 1918)
  [0xc6120000, 15], // benchmarking
  [0xc6336400, 24], // documentation
  [0xcb007100, 24], // documentation
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved, broadcast
];

/** Suffixes of names that only a local resolver answers (RFC 6761, 6762, 8375). */
const LOCAL_SUFFIXES: readonly string[] = [
  ".localhost",
  ".local",
  ".internal",
  ".home.arpa",
  ".lan",
  ".intranet",
  ".corp",
];

/** The 32-bit value of a dotted-quad IPv4 literal, or `undefined`. */
function ipv4Value(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) {
    return undefined;
  }
  const octets = parts.map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) +
    octets[3]!;
}

function ipv4IsPublic(value: number): boolean {
  return !IPV4_NON_PUBLIC.some(([base, bits]) =>
    (value >>> (32 - bits)) === (base >>> (32 - bits))
  );
}

/** The eight 16-bit groups of a bracketed IPv6 literal, as `URL` writes it. */
function ipv6Groups(host: string): number[] | undefined {
  if (!host.startsWith("[") || !host.endsWith("]")) return undefined;
  const inner = host.slice(1, -1);
  const [head = "", tail] = inner.split("::");
  const parse = (s: string) =>
    s === "" ? [] : s.split(":").map((g) => parseInt(g, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  const groups = [...left, ...new Array(Math.max(fill, 0)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

function ipv6IsPublic(groups: readonly number[]): boolean {
  const first = groups[0]!;
  // ::/8 holds the unspecified, loopback, IPv4-mapped and -compatible
  // addresses; 64:ff9b::/16 NAT64; 100::/64 discard.
  if (first === 0 || first === 0x64 || first === 0x100) return false;
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((first & 0xffc0) === 0xfec0) return false; // site-local fec0::/10
  if ((first & 0xff00) === 0xff00) return false; // multicast ff00::/8
  if (first === 0x2001 && groups[1] === 0x0db8) return false; // documentation
  if (first === 0x2002) return false; // 6to4: may wrap a private IPv4
  return true;
}

/**
 * Whether a client metadata document may be fetched from `hostname` (as
 * `URL` gives it: lower case, IPv4 dotted, IPv6 bracketed and compressed):
 * a loopback name of this machine, or a host that is neither a non-public
 * IP literal nor a name only a local network resolves.
 */
export function isFetchableHost(hostname: string): boolean {
  if (isLoopbackHost(hostname)) return true;
  const v4 = ipv4Value(hostname);
  if (v4 !== undefined) return ipv4IsPublic(v4);
  const v6 = ipv6Groups(hostname);
  if (v6 !== undefined) return ipv6IsPublic(v6);
  if (hostname.startsWith("[")) return false;
  const name = hostname.replace(/\.$/, "");
  // A single label ("printer", "metadata") is resolved on the local network.
  if (!name.includes(".")) return false;
  return !LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}
