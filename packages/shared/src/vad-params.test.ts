import { describe, expect, it } from 'vitest';
import { VadError } from './errors.js';
import { canonicalParams, parseVadParams, resolvedVadParamsSchema, resolveVadParams } from './vad-params.js';

const MEETING = { preset: 'meeting', maxEndSilenceMs: 800, speechNoiseThres: 0.6, maxSegmentMs: 60_000, boundaries: 'padded' };

function refusal(raw: unknown): VadError {
  try {
    parseVadParams(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(VadError);
    return err as VadError;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('parseVadParams, the one parameter boundary', () => {
  it('resolves absent parameters to the defaults (FunASR: meeting)', () => {
    expect(parseVadParams(undefined)).toEqual(MEETING);
    expect(parseVadParams({})).toEqual(MEETING);
  });

  it('applies a preset, then explicit values over it; preset is null when explicit values replace it', () => {
    expect(parseVadParams({ preset: 'lecture', maxSegmentMs: 10_000 })).toEqual({ ...MEETING, preset: 'lecture', maxEndSilenceMs: 1500, speechNoiseThres: 0.7, maxSegmentMs: 10_000 });
    expect(parseVadParams({ maxEndSilenceMs: 500 })).toEqual({ ...MEETING, preset: null, maxEndSilenceMs: 500 });
  });

  it('FSMN is the default model: naming it changes neither the resolved parameters nor their canonical text', () => {
    const named = parseVadParams({ model: 'fsmn', preset: 'noisy' });
    expect(named).toEqual(parseVadParams({ preset: 'noisy' }));
    expect(named).not.toHaveProperty('model');
    // Cache keys and idempotency fingerprints of FSMN jobs keep their meaning.
    expect(canonicalParams(named)).toBe('[1000,0.4,60000,"padded"]');
  });

  it.each([
    ['an out-of-range value', { maxEndSilenceMs: 50 }, 'maxEndSilenceMs', /^Invalid params\.maxEndSilenceMs: .+\.$/],
    ['an unknown preset', { preset: 'loud' }, 'preset', /^Invalid params\.preset: /],
    ['a wrong type', { speechNoiseThres: '0.5' }, 'speechNoiseThres', /expected number/],
    ['a bound excluded', { speechNoiseThres: 1 }, 'speechNoiseThres', /params\.speechNoiseThres/],
    ['a segment length off the 10 ms grid', { maxSegmentMs: 1005 }, 'maxSegmentMs', /multiple of 10/],
    ['an unknown parameter', { threshold: 0.5 }, 'threshold', /^Invalid params: unknown parameter "threshold"\.$/],
    ['another model', { model: 'silero' }, 'model', /^Invalid params\.model: unknown model, expected "fsmn"\.$/],
    ['a parameter of another model on FSMN', { model: 'fsmn', minSpeechMs: 250 }, 'minSpeechMs', /unknown parameter "minSpeechMs"/],
  ])('refuses %s with INVALID_PARAMS naming the field', (_name, raw, field, message) => {
    const err = refusal(raw);
    expect(err).toMatchObject({ code: 'INVALID_PARAMS', field });
    expect(err.message).toMatch(message);
  });

  it.each([null, 5, 'meeting', [], ['preset'], { __proto__: { preset: 'x' } }, { preset: null }, { model: null }, { maxEndSilenceMs: Number.NaN }, { maxEndSilenceMs: Infinity }])(
    'refuses hostile input %j with INVALID_PARAMS, never a crash',
    (raw) => {
      expect(refusal(raw).code).toBe('INVALID_PARAMS');
    },
  );
});

describe('resolved parameters', () => {
  it('what the API queues and a result records is what the worker reads back', () => {
    const resolved = resolveVadParams({ preset: 'fast-dialogue', boundaries: 'tight' });
    expect(resolvedVadParamsSchema.parse(JSON.parse(JSON.stringify(resolved)))).toEqual(resolved);
  });
});
