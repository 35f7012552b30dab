import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { VadError } from '@vadfleet/shared/errors';
import { classifyIpAddress } from './classify-ip-address.js';

/** Resolves a host name to every address it has (the shape of `dns.promises.lookup(host, {all: true})`). */
export type LookupAll = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export interface WebhookGuardOptions {
  /**
   * Where webhooks may go. Each entry is one of: a host (`hooks.example.com`, any port); a wildcard
   * `*.example.com` (any subdomain at any depth, not `example.com` itself, never an IP literal); a URL
   * prefix (`https://hooks.example.com/vadfleet/`: same scheme, host and port, and a path equal to the
   * prefix's or below it at a `/` boundary); or `*` (any host). An empty list allows nothing.
   */
  allowlist: readonly string[];
  /** Allow loopback, private, link-local and other non-public addresses (development, tests). */
  allowPrivate: boolean;
  /** @defaultValue `dns.promises.lookup` with `all: true` */
  lookup?: LookupAll;
}

/** The checked destination. Connect to `address` (not to a fresh resolution of the host name). */
export interface VettedWebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Refuses a webhook URL unless it is http(s), carries no credentials, matches the allowlist, and every
 * address its host resolves to is public (unless `allowPrivate`). URL parsing is WHATWG's, so
 * `http://2130706433/`, `http://0x7f.1/` and `http://017700000001/` are all seen as 127.0.0.1.
 * Throws VadError('WEBHOOK_NOT_ALLOWED') saying why.
 */
export async function assertWebhookAllowed(url: string | URL, options: WebhookGuardOptions): Promise<VettedWebhookTarget> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse(`"${String(url).slice(0, 200)}" is not an absolute URL.`);
  }
  const origin = `${parsed.protocol}//${parsed.host}`;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw refuse(`${origin}: only http and https webhooks are allowed.`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw refuse(`${origin}: webhook URLs must not carry credentials; the payload signature authenticates vadfleet.`);
  }
  if (!options.allowlist.some((pattern) => matchesAllowlistEntry(parsed, pattern))) {
    throw refuse(`${origin}: the host is not in the webhook allowlist.`);
  }

  const hostname = unbracket(parsed.hostname);
  const literalFamily = isIP(hostname);
  let addresses: readonly { address: string; family: number }[];
  if (literalFamily !== 0) {
    addresses = [{ address: hostname, family: literalFamily }];
  } else {
    try {
      addresses = await (options.lookup ?? defaultLookup)(hostname);
    } catch (err) {
      // A name that does not exist will not start to; other failures (EAI_AGAIN) may be transient.
      if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND') throw refuse(`${origin}: the host name does not resolve.`);
      throw err;
    }
    if (addresses.length === 0) throw refuse(`${origin}: the host name resolves to no address.`);
  }

  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const reason = classifyIpAddress(address);
      if (reason !== null) throw refuse(`${origin}: the host resolves to ${address}, ${reason}.`);
    }
  }
  const [first] = addresses;
  return { url: parsed, address: first.address, family: first.family === 6 ? 6 : 4 };
}

function matchesAllowlistEntry(url: URL, pattern: string): boolean {
  const entry = pattern.trim().toLowerCase();
  const host = url.hostname.replace(/\.$/, '');
  if (entry === '*') return true;
  if (entry.includes('://')) {
    let prefix: URL;
    try {
      prefix = new URL(entry);
    } catch {
      return false;
    }
    if (prefix.protocol !== url.protocol || prefix.host !== url.host) return false;
    const path = prefix.pathname;
    return path.endsWith('/') ? url.pathname.startsWith(path) : url.pathname === path || url.pathname.startsWith(`${path}/`);
  }
  if (entry.startsWith('*.')) {
    const suffix = entry.slice(1).replace(/\.$/, '');
    return isIP(unbracket(host)) === 0 && host.length > suffix.length && host.endsWith(suffix);
  }
  return host === entry.replace(/\.$/, '');
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

function refuse(reason: string): VadError {
  return new VadError('WEBHOOK_NOT_ALLOWED', `Webhook not allowed: ${reason}`);
}

const defaultLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });
