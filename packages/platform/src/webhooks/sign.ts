import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (scheme in docs/webhooks.md): HMAC-SHA256 with the endpoint's secret over
 * `${timestampSec}.${body}`, sent as `Vadfleet-Signature: t=<timestampSec>,v1=<hex>`. The timestamp
 * inside the signed text lets receivers refuse replays older than a tolerance.
 */
export const SIGNATURE_HEADER = 'Vadfleet-Signature';
export const DEFAULT_TOLERANCE_SEC = 300;

const SIGNATURE_HEX_LENGTH = 64;

export function signWebhook(secret: string, timestampSec: number, body: string | Uint8Array): string {
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0) {
    throw new RangeError(`timestampSec must be a non-negative integer (Unix seconds), got ${timestampSec}.`);
  }
  return `t=${timestampSec},v1=${computeSignature(secret, timestampSec, body).toString('hex')}`;
}

export type VerifyResult =
  | { ok: true; timestampSec: number }
  | { ok: false; reason: 'MALFORMED_HEADER' | 'TIMESTAMP_OUT_OF_TOLERANCE' | 'SIGNATURE_MISMATCH' };

export interface VerifyOptions {
  /** Largest accepted |now − t| in seconds. @defaultValue DEFAULT_TOLERANCE_SEC */
  toleranceSec?: number;
  /** Current Unix time in seconds. @defaultValue the system clock */
  nowSec?: number;
}

/**
 * Checks a `Vadfleet-Signature` header against the raw body. Several `v1=` entries are accepted (a
 * sender rotating secrets may sign with both); any one matching is enough. Comparison is constant-time.
 */
export function verifyWebhook(secret: string, header: string, body: string | Uint8Array, options: VerifyOptions = {}): VerifyResult {
  const { toleranceSec = DEFAULT_TOLERANCE_SEC, nowSec = Math.floor(Date.now() / 1000) } = options;
  let timestampSec: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,15}$/.test(value)) timestampSec = Number(value);
    else if (key === 'v1' && value.length === SIGNATURE_HEX_LENGTH && /^[0-9a-f]+$/i.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestampSec === undefined || candidates.length === 0) return { ok: false, reason: 'MALFORMED_HEADER' };
  if (Math.abs(nowSec - timestampSec) > toleranceSec) return { ok: false, reason: 'TIMESTAMP_OUT_OF_TOLERANCE' };

  const expected = computeSignature(secret, timestampSec, body);
  let matched = false;
  // No early exit: the time taken does not reveal which candidate matched.
  for (const candidate of candidates) matched = timingSafeEqual(candidate, expected) || matched;
  return matched ? { ok: true, timestampSec } : { ok: false, reason: 'SIGNATURE_MISMATCH' };
}

function computeSignature(secret: string, timestampSec: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(body).digest();
}
