import { ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import { VadError } from '@vadfleet/shared/errors';
import type { ObjectStore } from '@vadfleet/platform/object-store';
import type { BatchSource, ListedObject } from './batch-spec.js';

export interface ListedPage {
  objects: ListedObject[];
  /** Objects listed but filtered out by suffix/glob. */
  skipped: number;
  /** Where the next page starts; null after the last page. */
  nextCursor: string | null;
}

/** S3's largest page; also the slice of an explicit key list handled at once. */
export const LIST_PAGE_SIZE = 1000;

/** `*` within a path segment, `**` across segments, `?` one character; anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function keyFilter(source: Pick<BatchSource, 'suffix' | 'glob'>): (key: string) => boolean {
  const glob = source.glob ? globToRegExp(source.glob) : undefined;
  return (key) => !key.endsWith('/') && (!source.suffix || key.endsWith(source.suffix)) && (!glob || glob.test(key));
}

/**
 * One page of a batch's input, starting at `cursor` (null: the beginning). For a prefix the cursor is
 * S3's continuation token; for a key list it is the offset. Only one page is ever held in memory.
 */
export async function listBatchPage(store: ObjectStore, source: BatchSource, cursor: string | null): Promise<ListedPage> {
  const accept = keyFilter(source);
  if (source.keys) {
    const start = cursor ? Number(cursor) : 0;
    const slice = source.keys.slice(start, start + LIST_PAGE_SIZE);
    const objects = slice.filter(accept).map((key) => ({ key }));
    const next = start + slice.length;
    return { objects, skipped: slice.length - objects.length, nextCursor: next < source.keys.length ? String(next) : null };
  }
  try {
    const out = await store.s3.send(
      new ListObjectsV2Command({ Bucket: source.bucket, Prefix: source.prefix ?? '', MaxKeys: LIST_PAGE_SIZE, ContinuationToken: cursor ?? undefined }),
    );
    const contents = out.Contents ?? [];
    const objects: ListedObject[] = [];
    for (const o of contents) if (o.Key && accept(o.Key)) objects.push({ key: o.Key, size: o.Size, etag: o.ETag });
    return { objects, skipped: contents.length - objects.length, nextCursor: out.IsTruncated && out.NextContinuationToken ? out.NextContinuationToken : null };
  } catch (err) {
    const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
    const where = `s3://${source.bucket}/${source.prefix ?? ''}`;
    if (status === 404 || (err as Error).name === 'NoSuchBucket') throw new VadError('INPUT_NOT_FOUND', `The bucket of ${where} does not exist.`, { cause: err });
    throw new VadError('STORAGE_UNAVAILABLE', `Listing ${where} failed: ${status ? `S3 answered ${status}` : `S3 unreachable (${(err as Error).name})`}.`, { cause: err });
  }
}
