import { describe, expect, it } from 'vitest';
import { VadError } from '@vadfleet/shared/errors';
import { classifyIpAddress } from './classify-ip-address.js';
import { assertWebhookAllowed, type LookupAll, type WebhookGuardOptions } from './url-guard.js';

/** A fake resolver: no test here touches real DNS. */
function fakeDns(records: Record<string, string[]>): LookupAll {
  return async (hostname) => {
    const addresses = records[hostname.replace(/\.$/, '')]; // a trailing dot is the same (fully qualified) name
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const dns = fakeDns({
  'hooks.example.com': ['93.184.216.34'],
  'a.b.example.com': ['93.184.216.35'],
  'example.com': ['93.184.216.36'],
  'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'internal.example.com': ['10.0.0.7'],
  'mixed.example.com': ['93.184.216.34', '192.168.1.10'],
  'metadata.example.com': ['169.254.169.254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'ula.example.com': ['fd12:3456:789a::1'],
});

const open: WebhookGuardOptions = { allowlist: ['*'], allowPrivate: false, lookup: dns };

async function refusal(url: string, options: WebhookGuardOptions = open): Promise<string> {
  try {
    await assertWebhookAllowed(url, options);
  } catch (err) {
    expect(err).toBeInstanceOf(VadError);
    expect((err as VadError).code).toBe('WEBHOOK_NOT_ALLOWED');
    return (err as VadError).message;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('classifyIpAddress', () => {
  it.each([
    ['8.8.8.8', null],
    ['93.184.216.34', null],
    ['172.32.0.1', null], // just past 172.16/12
    ['100.128.0.1', null], // just past 100.64/10
    ['2606:4700::1111', null],
    ['::ffff:8.8.8.8', null],
    ['0.0.0.0', /unspecified/],
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.0.1', /private/],
    ['169.254.169.254', /link-local .*metadata/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['fc00::1', /unique-local/],
    ['fdff:ffff::1', /unique-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /loopback .*IPv4-mapped/],
    ['::ffff:7f00:1', /loopback .*IPv4-mapped/],
    ['::ffff:169.254.169.254', /link-local .*IPv4-mapped/],
    ['::ffff:10.0.0.1', /private .*IPv4-mapped/],
    ['::127.0.0.1', /loopback .*IPv4-compatible/],
    ['64:ff9b::a9fe:a9fe', /link-local .*NAT64/],
    ['2002:c0a8:0101::1', /private .*6to4/],
  ])('%s', (address, expected) => {
    const reason = classifyIpAddress(address);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });
});

describe('assertWebhookAllowed', () => {
  it('returns the vetted address for a public host', async () => {
    const target = await assertWebhookAllowed('https://hooks.example.com/vadfleet?x=1', open);
    expect(target).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(target.url.href).toBe('https://hooks.example.com/vadfleet?x=1');
    await expect(assertWebhookAllowed('https://v6.example.com/', open)).resolves.toMatchObject({ family: 6 });
  });

  it('allows only http and https, without credentials', async () => {
    expect(await refusal('ftp://hooks.example.com/x')).toMatch(/only http and https/);
    expect(await refusal('file:///etc/passwd')).toMatch(/only http and https/);
    expect(await refusal('gopher://hooks.example.com:70/')).toMatch(/only http and https/);
    expect(await refusal('not a url')).toMatch(/not an absolute URL/);
    expect(await refusal('https://user:pass@hooks.example.com/')).toMatch(/credentials/);
  });

  it.each([
    'http://127.0.0.1/',
    'http://2130706433/', // decimal
    'http://0x7f.1/', // hex, short form
    'http://0x7f000001/',
    'http://017700000001/', // octal
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]:8080/',
    'http://10.0.0.1/',
    'http://0xa9.0xfe.0xa9.0xfe/', // 169.254.169.254
  ])('refuses the IP literal %s', async (url) => {
    expect(await refusal(url)).toMatch(/resolves to/);
  });

  it('refuses host names that resolve to non-public addresses, naming the address', async () => {
    expect(await refusal('https://internal.example.com/')).toMatch(/10\.0\.0\.7, a private address/);
    expect(await refusal('https://metadata.example.com/')).toMatch(/169\.254\.169\.254, a link-local/);
    expect(await refusal('https://mapped.example.com/')).toMatch(/::ffff:127\.0\.0\.1, a loopback .*IPv4-mapped/);
    expect(await refusal('https://ula.example.com/')).toMatch(/unique-local/);
    // One bad address among good ones is enough: the connection could use either.
    expect(await refusal('https://mixed.example.com/')).toMatch(/192\.168\.1\.10/);
    expect(await refusal('https://nowhere.example.com/')).toMatch(/does not resolve/);
  });

  it('lets private addresses through with allowPrivate and still returns the address to pin', async () => {
    const options = { ...open, allowPrivate: true };
    await expect(assertWebhookAllowed('http://internal.example.com:8080/', options)).resolves.toMatchObject({ address: '10.0.0.7' });
    await expect(assertWebhookAllowed('http://[::1]:3000/', options)).resolves.toMatchObject({ address: '::1', family: 6 });
  });

  it('matches host, wildcard and URL-prefix allowlist entries', async () => {
    const allow = (allowlist: string[]) => ({ ...open, allowlist });
    await expect(assertWebhookAllowed('https://hooks.example.com/', allow(['HOOKS.example.com']))).resolves.toBeDefined();
    await expect(assertWebhookAllowed('https://hooks.example.com./', allow(['hooks.example.com']))).resolves.toBeDefined();
    expect(await refusal('https://example.com/', allow(['hooks.example.com']))).toMatch(/not in the webhook allowlist/);

    await expect(assertWebhookAllowed('https://a.b.example.com/', allow(['*.example.com']))).resolves.toBeDefined();
    expect(await refusal('https://example.com/', allow(['*.example.com']))).toMatch(/allowlist/);
    expect(await refusal('https://hooks.example.com.evil.test/', allow(['*.example.com']))).toMatch(/allowlist/);
    expect(await refusal('https://evilexample.com/', allow(['*.example.com']))).toMatch(/allowlist/);
    expect(await refusal('http://127.0.0.1/', allow(['*.0.0.1']))).toMatch(/allowlist/);

    const prefix = allow(['https://hooks.example.com/vadfleet']);
    await expect(assertWebhookAllowed('https://hooks.example.com/vadfleet', prefix)).resolves.toBeDefined();
    await expect(assertWebhookAllowed('https://hooks.example.com/vadfleet/jobs?id=1', prefix)).resolves.toBeDefined();
    expect(await refusal('https://hooks.example.com/vadfleet-evil', prefix)).toMatch(/allowlist/);
    expect(await refusal('http://hooks.example.com/vadfleet', prefix)).toMatch(/allowlist/);
    expect(await refusal('https://hooks.example.com:8443/vadfleet', prefix)).toMatch(/allowlist/);
    expect(await refusal('https://hooks.example.com.evil.test/vadfleet', allow(['https://hooks.example.com']))).toMatch(/allowlist/);

    expect(await refusal('https://hooks.example.com/', allow([]))).toMatch(/allowlist/);
  });

  it('checks the allowlist before resolving anything', async () => {
    let lookups = 0;
    const counting: LookupAll = async (host) => {
      lookups++;
      return dns(host);
    };
    await refusal('https://example.com/', { allowlist: ['hooks.example.com'], allowPrivate: false, lookup: counting });
    expect(lookups).toBe(0);
  });

  it('an allowlisted host is still refused when it resolves privately', async () => {
    expect(await refusal('https://internal.example.com/', { ...open, allowlist: ['internal.example.com'] })).toMatch(/private/);
  });
});
