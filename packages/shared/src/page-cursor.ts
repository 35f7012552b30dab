import { VadError } from './errors.js';

/**
 * The cursor of a page of a tenant's jobs or batches: the score (acceptedAt / createdAt) and id of the
 * page's last entry, opaque to the client (base64url of their JSON). A cursor that is not one of ours is
 * a BAD_REQUEST.
 */
export function encodeCursor(score: number, jobId: string): string {
  return Buffer.from(JSON.stringify([score, jobId])).toString('base64url');
}

export function decodeCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new VadError('BAD_REQUEST', 'The cursor is invalid; pass `nextCursor` from the previous page unchanged.');
}
