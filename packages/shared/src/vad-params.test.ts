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
    ['an unknown model, listing the known ones', { model: 'firered' }, 'model', /^Invalid params\.model: unknown model, expected "fsmn" or "silero"\.$/],
    ['a parameter of FSMN on Silero', { model: 'silero', maxEndSilenceMs: 500 }, 'maxEndSilenceMs', /unknown parameter "maxEndSilenceMs"/],
    ['a Silero threshold out of range', { model: 'silero', threshold: 1 }, 'threshold', /^Invalid params\.threshold: /],
    ['a Silero negThreshold not below threshold', { model: 'silero', threshold: 0.4, negThreshold: 0.4 }, 'negThreshold', /must be below threshold/],
    ['a Silero max speech under a second', { model: 'silero', maxSpeechMs: 500 }, 'maxSpeechMs', /params\.maxSpeechMs/],
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

describe('Silero parameters', () => {
  const DEFAULTS = { model: 'silero', preset: 'meeting', threshold: 0.5, negThreshold: 0.35, minSpeechMs: 250, minSilenceMs: 100, speechPadMs: 30, maxSpeechMs: null };

  it("resolve to upstream's defaults, negThreshold derived from threshold (floored at 0.01)", () => {
    expect(parseVadParams({ model: 'silero' })).toEqual(DEFAULTS);
    expect(parseVadParams({ model: 'silero', threshold: 0.7 })).toEqual({ ...DEFAULTS, preset: null, threshold: 0.7, negThreshold: 0.7 - 0.15 });
    expect(parseVadParams({ model: 'silero', threshold: 0.1 }).negThreshold).toBe(0.01);
  });

  it("take each preset's Silero meaning, explicit values over it", () => {
    expect(parseVadParams({ model: 'silero', preset: 'noisy' })).toEqual({ ...DEFAULTS, preset: 'noisy', threshold: 0.6, negThreshold: 0.6 - 0.15, minSilenceMs: 300 });
    expect(parseVadParams({ model: 'silero', preset: 'lecture', speechPadMs: 50 })).toEqual({ ...DEFAULTS, preset: 'lecture', minSilenceMs: 500, speechPadMs: 50 });
  });

  it('have a canonical text that names the model, so cache keys never collide with FSMN', () => {
    expect(canonicalParams(parseVadParams({ model: 'silero' }))).toBe('["silero",0.5,0.35,250,100,30,null]');
    expect(resolvedVadParamsSchema.parse(parseVadParams({ model: 'silero', maxSpeechMs: 5000 }))).toEqual({ ...DEFAULTS, maxSpeechMs: 5000 });
  });
});

describe('resolved parameters', () => {
  it('what the API queues and a result records is what the worker reads back', () => {
    const resolved = resolveVadParams({ preset: 'fast-dialogue', boundaries: 'tight' });
    expect(resolvedVadParamsSchema.parse(JSON.parse(JSON.stringify(resolved)))).toEqual(resolved);
  });
});
