import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './sign.js';

const secret = 'whsec_test_3f9a';
const body = '{"event":"job.completed","jobId":"j_123","segments":[[70,2340]]}';
const t = 1_760_000_000;

describe('signWebhook', () => {
  it('is HMAC-SHA256 over "<t>.<body>" in the documented header format', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhook(secret, t, body)).toBe(`t=${t},v1=${expected}`);
  });

  it('signs bytes and the same text identically', () => {
    expect(signWebhook(secret, t, Buffer.from(body))).toBe(signWebhook(secret, t, body));
  });

  it('refuses a timestamp that is not whole seconds', () => {
    expect(() => signWebhook(secret, 1.5, body)).toThrow(RangeError);
  });
});

describe('verifyWebhook', () => {
  const header = signWebhook(secret, t, body);

  it('accepts its own signature', () => {
    expect(verifyWebhook(secret, header, body, { nowSec: t + 10 })).toEqual({ ok: true, timestampSec: t });
  });

  it('detects a changed body, secret or timestamp', () => {
    expect(verifyWebhook(secret, header, body.replace('j_123', 'j_124'), { nowSec: t })).toEqual({ ok: false, reason: 'SIGNATURE_MISMATCH' });
    expect(verifyWebhook('other-secret', header, body, { nowSec: t })).toEqual({ ok: false, reason: 'SIGNATURE_MISMATCH' });
    const movedTimestamp = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(verifyWebhook(secret, movedTimestamp, body, { nowSec: t })).toEqual({ ok: false, reason: 'SIGNATURE_MISMATCH' });
  });

  it('refuses replays outside the tolerance, in either direction', () => {
    expect(verifyWebhook(secret, header, body, { nowSec: t + 301 })).toEqual({ ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' });
    expect(verifyWebhook(secret, header, body, { nowSec: t - 301 })).toEqual({ ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' });
    expect(verifyWebhook(secret, header, body, { nowSec: t + 300 }).ok).toBe(true);
    expect(verifyWebhook(secret, header, body, { nowSec: t + 30, toleranceSec: 10 }).ok).toBe(false);
  });

  it.each(['', 'v1=abc', `t=${t}`, `t=abc,v1=${'0'.repeat(64)}`, `t=${t},v1=${'zz'.repeat(32)}`, `t=${t},v1=${'0'.repeat(63)}`, 'garbage'])(
    'reports a malformed header: %j',
    (bad) => {
      expect(verifyWebhook(secret, bad, body, { nowSec: t })).toEqual({ ok: false, reason: 'MALFORMED_HEADER' });
    },
  );

  it('accepts any matching v1 among several (secret rotation) and tolerates spaces', () => {
    const oldSignature = signWebhook('old-secret', t, body).split('v1=')[1];
    const newSignature = header.split('v1=')[1];
    expect(verifyWebhook(secret, `t=${t}, v1=${oldSignature}, v1=${newSignature}`, body, { nowSec: t }).ok).toBe(true);
    expect(verifyWebhook(secret, `t=${t},v1=${oldSignature}`, body, { nowSec: t }).ok).toBe(false);
  });

  it("verifies the example request in docs/webhooks.md with the secret it names", () => {
    const doc = readFileSync(new URL('../../../../docs/webhooks.md', import.meta.url), 'utf8');
    const example = /```\nPOST [^]*?\n```/.exec(doc)![0];
    const header = /^Vadfleet-Signature: (.+)$/m.exec(example)![1];
    const docBody = /^(\{.*\})$/m.exec(example)![1];
    const docT = Number(/t=(\d+)/.exec(header)![1]);
    expect(verifyWebhook('whsec_example', header, docBody, { nowSec: docT })).toEqual({ ok: true, timestampSec: docT });
  });
});
