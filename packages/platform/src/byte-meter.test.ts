import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ByteMeter } from './byte-meter.js';

const drain = async (meter: ByteMeter, chunks: Buffer[]) => {
  await pipeline(Readable.from(chunks), meter, async (source: AsyncIterable<Buffer>) => {
    for await (const _ of source);
  });
};

describe('ByteMeter', () => {
  const chunks = [Buffer.from('RIFF'), Buffer.alloc(70_000, 7), Buffer.from('tail')];
  const whole = Buffer.concat(chunks);

  it('counts and hashes the bytes that pass, whatever the chunking', async () => {
    const meter = new ByteMeter(1e6);
    await drain(meter, chunks);
    expect(meter.bytes).toBe(whole.length);
    expect(meter.sha256()).toBe(createHash('sha256').update(whole).digest('hex'));
  });

  it('without hashing still counts and enforces the limit, and has no digest to give', async () => {
    const meter = new ByteMeter(1e6, 'The input', { hash: false });
    await drain(meter, chunks);
    expect(meter.bytes).toBe(whole.length);
    expect(() => meter.sha256()).toThrow(/without hashing/);
    await expect(drain(new ByteMeter(100, 'The input', { hash: false }), chunks)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
