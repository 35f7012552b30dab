import { z } from 'zod';
import { DEFAULT_QUEUE_PREFIX } from '../queue.js';

/** A comma-separated list of S3 bucket names (empty entries dropped). */
export const bucketListSchema = z
  .string()
  .regex(/^[a-z0-9.,\s-]*$/, 'expected comma-separated S3 bucket names')
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean));

const bucketNameSchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3–63 of a-z 0-9 . -)');

/** Variables every process (API and worker) reads. */
export const commonConfigShape = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379').describe('Redis holding the queue, idempotency keys, rate limits and heartbeats; its maxmemory-policy must be noeviction.'),
  QUEUE_PREFIX: z.string().min(1).max(64).regex(/^[^:\s]+$/, 'expected no ":" or spaces').default(DEFAULT_QUEUE_PREFIX).describe('Prefix of every Redis key; braces make it a Redis Cluster hash tag.'),
  S3_ENDPOINT: z.url().optional().describe('S3-compatible endpoint URL; unset means AWS S3 in S3_REGION.'),
  S3_REGION: z.string().min(1).default('us-east-1').describe('S3 region.'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional().describe('S3 access key id; unset means the AWS default credential chain.'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('S3 secret access key (with S3_ACCESS_KEY_ID).'),
  S3_FORCE_PATH_STYLE: z.stringbool().default(false).describe('Address buckets as <endpoint>/<bucket> (needed by MinIO and s3rver).'),
  S3_ALLOWED_BUCKETS: bucketListSchema.default([]).describe('Comma-separated buckets callers may name for input or output. Besides these, UPLOAD_BUCKET is an input under the caller\'s own <tenant>/ prefix and RESULTS_BUCKET an output.'),
  UPLOAD_BUCKET: bucketNameSchema.default('vadfleet-uploads').describe('Bucket receiving uploaded audio (<tenant>/<jobId>/audio).'),
  RESULTS_BUCKET: bucketNameSchema.default('vadfleet-results').describe('Default bucket for result JSON (<prefix>/<tenant>/<jobId>.json).'),
  WEBHOOK_ALLOWLIST: z.string().default('').transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean)).describe('Comma-separated hosts, *.domains, URL prefixes or * that webhook URLs must match (docs/webhooks.md); empty allows none.'),
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false).describe('Allow webhooks to loopback and private addresses (development and tests only).'),
  WEBHOOK_SECRET: z.string().min(16).optional().describe('HMAC secret signing webhooks (Vadfleet-Signature); required for batches with a webhook unless the tenant has one in WEBHOOK_SECRETS.'),
  WEBHOOK_SECRETS: z
    .string()
    .default('')
    .transform((s) => Object.fromEntries(s.split(',').map((e) => e.trim()).filter(Boolean).map((e) => [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)])))
    .describe('Per-tenant webhook secrets as tenant:secret pairs, comma-separated; they override WEBHOOK_SECRET.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
};

export const commonConfigSchema = z.object(commonConfigShape);
export type CommonConfig = z.infer<typeof commonConfigSchema>;
