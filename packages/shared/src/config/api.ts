import { z } from 'zod';
import { checkRedisTopology, commonConfigShape } from './common.js';

/** `key1:tenantA,key2:tenantB` → [{key, tenant}]. */
export const apiKeysSchema = z
  .string()
  .transform((s, ctx) => {
    const entries: { key: string; tenant: string }[] = [];
    for (const item of s.split(',').map((i) => i.trim()).filter(Boolean)) {
      const at = item.lastIndexOf(':');
      const key = item.slice(0, at);
      const tenant = item.slice(at + 1);
      if (at < 1 || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant) || key.length < 16) {
        ctx.addIssue({ code: 'custom', message: 'expected key:tenant pairs separated by commas, keys of 16+ characters, tenants of [A-Za-z0-9_-]' });
        return z.NEVER;
      }
      entries.push({ key, tenant });
    }
    if (entries.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one key:tenant pair' });
      return z.NEVER;
    }
    return entries;
  });

export const apiConfigSchema = z.object({
  ...commonConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP port of the API (0 picks a free port).'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the API listens on (0.0.0.0 in containers).'),
  API_KEYS: apiKeysSchema.describe('Comma-separated key:tenant pairs accepted as `Authorization: Bearer <key>` (required).'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).max(5 * 1024 ** 3).default(512 * 1024 ** 2).describe('Largest accepted upload; larger ones get 413 and are not stored.'),
  QUEUE_SAMPLE_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(15_000).describe('How often the API samples the queue depth and live workers for /metrics (what a queue-depth autoscaler reads; every API instance samples).'),
  MAX_CONCURRENT_UPLOADS: z.coerce.number().int().min(1).max(10_000).default(32).describe('Uploads one API instance receives at once (each holds up to a 5 MiB part in memory); more get 503 UPLOADS_BUSY with Retry-After.'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000).describe('On SIGTERM, how long in-flight requests may take before their connections are closed.'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600).describe('Requests per minute per API key (counted in Redis, shared by all API instances).'),
}).superRefine(checkRedisTopology);
export type ApiConfig = z.infer<typeof apiConfigSchema>;
