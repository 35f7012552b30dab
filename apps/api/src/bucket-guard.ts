import type { ApiConfig } from '@vadfleet/shared/config';
import { VadError } from '@vadfleet/shared/errors';

/** The buckets a request may name (S3_ALLOWED_BUCKETS plus the service's own upload and results buckets). */
export function bucketGuard(config: Pick<ApiConfig, 'S3_ALLOWED_BUCKETS' | 'UPLOAD_BUCKET' | 'RESULTS_BUCKET'>) {
  const allowed = new Set([...config.S3_ALLOWED_BUCKETS, config.UPLOAD_BUCKET, config.RESULTS_BUCKET]);
  return (bucket: string, role: 'input' | 'output'): void => {
    if (!allowed.has(bucket)) throw new VadError('BUCKET_NOT_ALLOWED', `The ${role} bucket "${bucket}" is not in S3_ALLOWED_BUCKETS.`);
  };
}
