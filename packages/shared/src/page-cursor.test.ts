import { describe, expect, it } from 'vitest';
import { VadError } from './errors.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

describe('page cursor', () => {
  it('round-trips the last job of a page', () => {
    expect(decodeCursor(encodeCursor(1_733_000_000_123, 'AbCdEfGhIjKlMnOpQrStUv'))).toEqual([1_733_000_000_123, 'AbCdEfGhIjKlMnOpQrStUv']);
  });

  it('refuses anything else as BAD_REQUEST', () => {
    const b64 = (v: string) => Buffer.from(v).toString('base64url');
    for (const hostile of ['', 'not base64 at all!', b64('{}'), b64('[1]'), b64('["1","x"]'), b64('[1,2]'), b64('null'), b64('[1,"x"'), '\u0000\u0001']) {
      expect(() => decodeCursor(hostile), hostile).toThrow(VadError);
      try {
        decodeCursor(hostile);
      } catch (err) {
        expect((err as VadError).code).toBe('BAD_REQUEST');
      }
    }
  });
});
