import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { VadError } from '@vadfleet/shared/errors';
import { encodeJobError, webhookJobDataSchema } from '@vadfleet/shared/queue';
import { isoTimestamp } from '@vadfleet/shared/schemas';
import { deliverWebhook } from '@vadfleet/platform/webhooks/deliver-webhook';
import type { BatchStore } from './batch-store.js';

export interface BatchWebhookDeps {
  batches: BatchStore;
  log: Logger;
  allowlist: readonly string[];
  allowPrivate: boolean;
  timeoutMs: number;
  /** WEBHOOK_SECRET and the per-tenant WEBHOOK_SECRETS. */
  secret?: string;
  tenantSecrets: Record<string, string>;
}

/**
 * Delivers a finished batch's webhook (docs/webhooks.md; body: the `batch.completed` event). Every
 * attempt is recorded on the batch; a retryable failure (network, timeout, 429, 5xx) throws so BullMQ
 * retries with exponential backoff. A URL refused by the guard at delivery time is not retried.
 */
export function createBatchWebhookProcessor(deps: BatchWebhookDeps) {
  return async (job: Job): Promise<{ delivered: boolean }> => {
    const { batchId } = webhookJobDataSchema.parse(job.data);
    const batch = await deps.batches.get(batchId);
    if (!batch?.spec.webhookUrl || batch.webhookDelivered) return { delivered: batch?.webhookDelivered ?? false };
    const secret = deps.tenantSecrets[batch.tenant] ?? deps.secret;
    if (!secret) throw new UnrecoverableError(encodeJobError({ code: 'SERVICE_NOT_CONFIGURED', message: 'No webhook secret is configured (WEBHOOK_SECRET).' }));
    const body = JSON.stringify({
      event: 'batch.completed',
      batch: {
        id: batch.id,
        status: batch.status,
        counts: { total: batch.total, completed: batch.completed, failed: batch.failed, cancelled: batch.cancelled },
        audioMsProcessed: batch.audioMs,
        finishedAt: isoTimestamp(batch.finishedAt),
        links: { self: `/v1/batches/${batch.id}`, results: `/v1/batches/${batch.id}/results` },
      },
    });
    const result = await deliverWebhook({ url: batch.spec.webhookUrl, body, secret, allowlist: deps.allowlist, allowPrivate: deps.allowPrivate, timeoutMs: deps.timeoutMs });
    await deps.batches.recordWebhookAttempt(batchId, { at: new Date().toISOString(), status: result.status, ok: result.ok, error: result.error });
    deps.log.info({ batchId, status: result.status, ok: result.ok, code: result.error?.code, attempt: job.attemptsMade + 1 }, 'batch webhook attempt');
    if (result.ok) return { delivered: true };
    const error = result.error ?? new VadError('WEBHOOK_DELIVERY_FAILED', `The webhook endpoint answered ${result.status}.`).toData();
    const retryable = result.error ? result.error.code !== 'WEBHOOK_NOT_ALLOWED' : result.status === 429 || (result.status ?? 0) >= 500;
    throw retryable ? new Error(encodeJobError(error)) : new UnrecoverableError(encodeJobError(error));
  };
}
