import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';

it("the run's Redis is its own (a fresh redis-server, removed at the end), not the one on 6379", async () => {
  const url = new URL(inject('redisUrl'));
  expect(url.port).not.toBe('6379');
  const redis = new Redis(inject('redisUrl'));
  try {
    const [, dir] = (await redis.config('GET', 'dir')) as string[];
    expect(dir.startsWith(`${tmpdir()}/vadfleet-redis-`), dir).toBe(true);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
  } finally {
    redis.disconnect();
  }
});
