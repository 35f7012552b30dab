import { randomBytes } from 'node:crypto';

/** A BullMQ/Redis key prefix unique to one test, hash-tagged like production's `{vadfleet}`. */
export function randomPrefix(label = 'test'): string {
  return `{${label}-${randomBytes(6).toString('hex')}}`;
}

/** An S3 bucket name unique to one test (lowercase, 3–63 chars, DNS-safe). */
export function randomBucket(label = 'test'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}
