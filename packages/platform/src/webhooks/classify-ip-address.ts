import { isIP } from 'node:net';

/**
 * Says why an IP address must not receive webhooks (it reaches the host itself, the private network or
 * the cloud's metadata service), or returns null for a public unicast address. IPv6 forms that embed an
 * IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) are judged by that IPv4 address. Ranges: IANA special-purpose registries (RFC 6890).
 */
export function classifyIpAddress(address: string): string | null {
  const zoneless = address.replace(/%.*$/, '');
  switch (isIP(zoneless)) {
    case 4:
      return classifyIpv4(parseIpv4(zoneless));
    case 6:
      return classifyIpv6(parseIpv6(zoneless));
    default:
      return `"${address}" is not an IP address`;
  }
}

// [first address, prefix length, reason]
const IPV4_BLOCKED: readonly [number, number, string][] = [
  [ipv4(0, 0, 0, 0), 8, 'an unspecified ("this network") address, 0.0.0.0/8'],
  [ipv4(10, 0, 0, 0), 8, 'a private address, 10.0.0.0/8'],
  [ipv4(100, 64, 0, 0), 10, 'a carrier-grade NAT address, 100.64.0.0/10'],
  [ipv4(127, 0, 0, 0), 8, 'a loopback address, 127.0.0.0/8'],
  [ipv4(169, 254, 0, 0), 16, 'a link-local address (cloud metadata lives here), 169.254.0.0/16'],
  [ipv4(172, 16, 0, 0), 12, 'a private address, 172.16.0.0/12'],
  [ipv4(192, 0, 0, 0), 24, 'an IETF protocol assignment address, 192.0.0.0/24'],
  [ipv4(192, 168, 0, 0), 16, 'a private address, 192.168.0.0/16'],
  [ipv4(198, 18, 0, 0), 15, 'a benchmarking address, 198.18.0.0/15'],
  [ipv4(224, 0, 0, 0), 4, 'a multicast address, 224.0.0.0/4'],
  [ipv4(240, 0, 0, 0), 4, 'a reserved or broadcast address, 240.0.0.0/4'],
];

function classifyIpv4(value: number): string | null {
  for (const [first, prefixLength, reason] of IPV4_BLOCKED) {
    const mask = prefixLength === 0 ? 0 : (~0 << (32 - prefixLength)) >>> 0;
    if (((value & mask) >>> 0) === first) return reason;
  }
  return null;
}

/** Eight 16-bit groups. */
function classifyIpv6(groups: Uint16Array): string | null {
  const zeroUntil = (n: number) => groups.subarray(0, n).every((g) => g === 0);
  const embeddedIpv4 = (high: number) => ((groups[high] << 16) | groups[high + 1]) >>> 0;

  if (zeroUntil(8)) return 'the unspecified address ::';
  if (zeroUntil(7) && groups[7] === 1) return 'the loopback address ::1';
  if (zeroUntil(5) && groups[5] === 0xffff) return ipv4Reason('IPv4-mapped', embeddedIpv4(6));
  if (zeroUntil(6)) return ipv4Reason('IPv4-compatible', embeddedIpv4(6));
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.subarray(2, 6).every((g) => g === 0)) return ipv4Reason('NAT64', embeddedIpv4(6));
  if (groups[0] === 0x2002) return ipv4Reason('6to4', embeddedIpv4(1));
  if ((groups[0] & 0xfe00) === 0xfc00) return 'a unique-local address, fc00::/7';
  if ((groups[0] & 0xffc0) === 0xfe80) return 'a link-local address, fe80::/10';
  if ((groups[0] & 0xffc0) === 0xfec0) return 'a site-local address, fec0::/10';
  if ((groups[0] & 0xff00) === 0xff00) return 'a multicast address, ff00::/8';
  return null;
}

function ipv4Reason(form: string, value: number): string | null {
  const reason = classifyIpv4(value);
  return reason === null ? null : `${reason} (in ${form} IPv6 form)`;
}

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Input already passed `isIP(...) === 4`. */
function parseIpv4(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number);
  return ipv4(a, b, c, d);
}

/** Input already passed `isIP(...) === 6` (so at most one `::`, and a dotted tail only at the end). */
function parseIpv6(text: string): Uint16Array {
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Rewrite the dotted IPv4 tail as two hex groups, then parse as plain IPv6.
    const v4 = parseIpv4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const toGroups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const doubleColon = text.indexOf('::');
  const groups = new Uint16Array(8);
  if (doubleColon === -1) {
    groups.set(toGroups(text));
  } else {
    groups.set(toGroups(text.slice(0, doubleColon)));
    const after = toGroups(text.slice(doubleColon + 2));
    groups.set(after, 8 - after.length);
  }
  return groups;
}
