import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { VadError, type ErrorData } from '@vadfleet/shared/errors';
import { SIGNATURE_HEADER, signWebhook } from './sign.js';
import { assertWebhookAllowed, type VettedWebhookTarget, type WebhookGuardOptions } from './url-guard.js';

export interface DeliverWebhookOptions extends WebhookGuardOptions {
  url: string;
  /** The JSON text to POST; signed byte for byte. */
  body: string;
  secret: string;
  /** Bounds the whole delivery: DNS, connect, TLS, response and draining its body. */
  timeoutMs: number;
  /** Signature timestamp (Unix seconds). @defaultValue the system clock */
  nowSec?: number;
}

/**
 * `ok` is true for a 2xx response. Without `error` the endpoint answered (`status` says how; a 3xx is
 * not followed). `error.code` is WEBHOOK_NOT_ALLOWED (refused before sending, not worth retrying),
 * TIMEOUT, or INTERNAL for network failures (both worth retrying).
 */
export interface WebhookDeliveryResult {
  ok: boolean;
  status: number | null;
  durationMs: number;
  error?: ErrorData;
}

/**
 * POSTs a signed webhook. The URL passes `assertWebhookAllowed` first and the connection is pinned to
 * the address vetted there (a custom `lookup`), so a DNS answer that changes between check and use
 * (DNS rebinding) cannot redirect it. TLS still verifies the certificate against the host name.
 * Never throws.
 */
export async function deliverWebhook(options: DeliverWebhookOptions): Promise<WebhookDeliveryResult> {
  const startedMs = performance.now();
  const elapsedMs = () => Math.round(performance.now() - startedMs);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  try {
    const target = await untilAborted(assertWebhookAllowed(options.url, options), deadline.signal);
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(options.body),
      'user-agent': 'vadfleet-webhook/1',
      [SIGNATURE_HEADER]: signWebhook(options.secret, options.nowSec ?? Math.floor(Date.now() / 1000), options.body),
    };
    const status = await postPinned(target, options.body, headers, deadline.signal);
    return { ok: status >= 200 && status < 300, status, durationMs: elapsedMs() };
  } catch (err) {
    const error = deadline.signal.aborted
      ? new VadError('TIMEOUT', `The webhook endpoint did not answer within ${options.timeoutMs} ms.`)
      : err instanceof VadError
        ? err
        : new VadError('INTERNAL', `Webhook delivery failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, { cause: err });
    return { ok: false, status: null, durationMs: elapsedMs(), error: error.toData() };
  } finally {
    clearTimeout(timer);
  }
}

function postPinned(target: VettedWebhookTarget, body: string, headers: http.OutgoingHttpHeaders, signal: AbortSignal): Promise<number> {
  const client = target.url.protocol === 'https:' ? https : http;
  const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Promise((resolve, reject) => {
    // agent: false, so no pooled socket from an earlier resolution is reused.
    const request = client.request(target.url, { method: 'POST', headers, signal, lookup: pinnedLookup, agent: false }, (response) => {
      response.on('error', reject);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.resume(); // the body is not used; drain it so 'end' fires
    });
    request.on('error', reject);
    request.end(body);
  });
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
