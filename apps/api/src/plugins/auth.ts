import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VadError } from '@vadfleet/shared/errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of the caller's API key (set by the auth hook on /v1 routes). */
    tenant: string;
    /** SHA-256 hex of the caller's API key: a stable, non-secret id for rate limiting and logs. */
    apiKeyId: string;
  }
}

interface KeyEntry {
  digest: Buffer;
  tenant: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Resolves `Authorization: Bearer <key>` to a tenant. Keys are compared as SHA-256 digests with
 * timingSafeEqual (equal lengths, no early exit), and every key is checked, so response time reveals
 * neither a key's prefix nor which entry matched.
 */
export function createKeyResolver(apiKeys: readonly { key: string; tenant: string }[]) {
  const entries: KeyEntry[] = apiKeys.map(({ key, tenant }) => ({ digest: sha256(key), tenant }));
  return (presented: string): { tenant: string; apiKeyId: string } | null => {
    const digest = sha256(presented);
    let tenant: string | null = null;
    for (const entry of entries) {
      if (timingSafeEqual(entry.digest, digest)) tenant = entry.tenant;
    }
    return tenant === null ? null : { tenant, apiKeyId: digest.toString('hex') };
  };
}

/** Adds the auth hook to every route of `scope` (register it inside the /v1 scope only). */
export function registerAuth(scope: FastifyInstance, apiKeys: readonly { key: string; tenant: string }[]): void {
  const resolve = createKeyResolver(apiKeys);
  scope.decorateRequest('tenant', '');
  scope.decorateRequest('apiKeyId', '');
  scope.addHook('onRequest', async (request: FastifyRequest) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const caller = match ? resolve(match[1]) : null;
    if (!caller) throw new VadError('UNAUTHORIZED', match ? 'The API key is not valid.' : undefined);
    request.tenant = caller.tenant;
    request.apiKeyId = caller.apiKeyId;
    request.log = request.log.child({ tenant: caller.tenant });
  });
}
