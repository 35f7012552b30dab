import { z } from 'zod';
import { DEFAULT_QUEUE_PREFIX } from '../queue.js';

/** A comma-separated list of S3 bucket names (empty entries dropped). */
export const bucketListSchema = z
  .string()
  .regex(/^[a-z0-9.,\s-]*$/, 'expected comma-separated S3 bucket names')
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean));

const bucketNameSchema = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3–63 of a-z 0-9 . -)');

/** `host:port,host:port` → [{host, port}]. */
export const hostPortListSchema = z
  .string()
  .transform((s, ctx) => {
    const entries: { host: string; port: number }[] = [];
    for (const item of s.split(',').map((i) => i.trim()).filter(Boolean)) {
      const at = item.lastIndexOf(':');
      const port = Number(item.slice(at + 1));
      if (at < 1 || !Number.isInteger(port) || port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: 'expected host:port pairs separated by commas' });
        return z.NEVER;
      }
      entries.push({ host: item.slice(0, at), port });
    }
    if (entries.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one host:port pair' });
      return z.NEVER;
    }
    return entries;
  });

/** Variables every process (API and worker) reads. */
export const commonConfigShape = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379').describe('Redis holding the queue, idempotency keys, rate limits and heartbeats; its maxmemory-policy must be noeviction. rediss:// connects with TLS. With REDIS_CLUSTER any one node; with REDIS_SENTINELS only its credentials, database and scheme count.'),
  REDIS_TLS_CA_FILE: z.string().min(1).optional().describe('PEM file of the CA certificates that sign the Redis servers\' certificates (rediss:// only); unset means the system\'s CAs.'),
  REDIS_CLUSTER: z.stringbool().default(false).describe('Talk to a Redis Cluster (REDIS_URL names any node); QUEUE_PREFIX must then contain a {hash tag}.'),
  REDIS_SENTINELS: hostPortListSchema.optional().describe('Redis Sentinels as host:port pairs, comma-separated: the primary named REDIS_SENTINEL_MASTER is asked of them and followed through failovers.'),
  REDIS_SENTINEL_MASTER: z.string().min(1).default('mymaster').describe('Name of the primary the sentinels monitor (with REDIS_SENTINELS).'),
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

/**
 * Rules across variables, applied by parseConfig to every process schema: cluster and sentinel modes
 * exclude each other, and in a cluster every key must hash to the queue's slot (BullMQ's scripts and
 * ours touch several keys at once), which only a {hash tag} in the prefix guarantees.
 */
export function checkRedisTopology(config: { REDIS_CLUSTER: boolean; REDIS_SENTINELS?: unknown; QUEUE_PREFIX: string }, ctx: z.RefinementCtx): void {
  if (config.REDIS_CLUSTER && config.REDIS_SENTINELS) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER'], message: 'cannot be combined with REDIS_SENTINELS' });
  }
  // Redis hashes the first {…} with something inside; a prefix like "{}x" would not be a tag.
  if (config.REDIS_CLUSTER && !/^[^{]*\{[^}]+\}/.test(config.QUEUE_PREFIX)) {
    ctx.addIssue({ code: 'custom', path: ['QUEUE_PREFIX'], message: 'with REDIS_CLUSTER it must contain a {hash tag}, e.g. {vadfleet}, so all keys share one slot' });
  }
}

export const commonConfigSchema = z.object(commonConfigShape).superRefine(checkRedisTopology);
export type CommonConfig = z.infer<typeof commonConfigSchema>;
