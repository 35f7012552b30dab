/** The G.711 encoders invert the decoder's expansion: every code round-trips, and encoding is within a step. */
import { describe, expect, it } from 'vitest';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from '../audio/g711.js';
import { wavBytes } from './telephone-wav.js';

const encode = (v: number, encoding: 'mulaw' | 'alaw') => wavBytes([Float32Array.of(v)], 8000, encoding).at(-1)!;

describe('G.711 encoders', () => {
  for (const [encoding, table] of [['mulaw', MULAW_TO_LINEAR], ['alaw', ALAW_TO_LINEAR]] as const) {
    it(`${encoding}: decode(encode(decode(code))) = decode(code), and |decode(encode(v)) − v| within one step`, () => {
      for (let code = 0; code < 256; code++) expect(table[encode(table[code], encoding)]).toBe(table[code]);
      for (let v = -32768; v < 32768; v += 7) {
        const back = table[encode(v, encoding)];
        const step = Math.max(16, Math.abs(v) / 16);
        expect(Math.abs(back - v)).toBeLessThanOrEqual(step + 1);
      }
    });
  }
});
