import type { ApiConfig } from '@vadfleet/shared/config';
import { VadError } from '@vadfleet/shared/errors';

/**
 * The S3 locations a request may name. Buckets in S3_ALLOWED_BUCKETS are open for input and output.
 * The service's own two buckets hold every tenant's data, so each is open only for what it is for:
 * the upload bucket as an input under the caller's own `<tenant>/` prefix (where its uploads are), the
 * results bucket as an output (result keys always carry the caller's tenant). Otherwise one API key
 * could list and analyse another's uploads with a batch over the upload bucket. An operator who lists
 * either bucket in S3_ALLOWED_BUCKETS opens it fully.
 */
export function bucketGuard(config: Pick<ApiConfig, 'S3_ALLOWED_BUCKETS' | 'UPLOAD_BUCKET' | 'RESULTS_BUCKET'>) {
  const listed = new Set(config.S3_ALLOWED_BUCKETS);
  const notListed = (bucket: string, role: 'input' | 'output') =>
    new VadError('BUCKET_NOT_ALLOWED', `The ${role} bucket "${bucket}" is not in S3_ALLOWED_BUCKETS.`);
  return {
    /** A job's input object or a batch's source: `keyOrPrefix` is the key, or the prefix ('' for all). */
    input(tenant: string, bucket: string, keyOrPrefix: string): void {
      if (listed.has(bucket)) return;
      if (bucket !== config.UPLOAD_BUCKET) throw notListed(bucket, 'input');
      const own = `${tenant}/`;
      // S3 keys are literal, but some servers resolve '..' in them as a path.
      if (!keyOrPrefix.startsWith(own) || keyOrPrefix.split('/').some((part) => part === '..' || part === '.')) {
        throw new VadError('BUCKET_NOT_ALLOWED', `In the upload bucket "${bucket}", an input must be under "${own}": the uploads of other API keys are not readable.`);
      }
    },
    output(bucket: string): void {
      if (!listed.has(bucket) && bucket !== config.RESULTS_BUCKET) throw notListed(bucket, 'output');
    },
  };
}
