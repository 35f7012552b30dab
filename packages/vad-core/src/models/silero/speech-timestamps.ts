/**
 * Upstream's `get_speech_timestamps` post-processing (silero-vad.md §6), on the window probabilities of one
 * stream: hysteresis, minimum speech and silence, the optional max-speech cut at the longest pause, padding.
 * Boundaries are computed in samples, exactly as upstream, and reported in ms.
 *
 * `use_max_poss_sil_at_max_speech` is upstream's default (true) and not exposed; in that mode upstream's
 * `prev_end`/`next_start` stay 0 throughout, so they, and the legacy branches that read them, are omitted.
 */
import type { Segment } from '@vadfleet/vad-postprocess';
import { MIN_SILENCE_AT_MAX_SPEECH_MS, type SileroParams, negThresholdOf } from './params.js';

/** Speech segments in samples, `[start, end)` pairs, before conversion to ms. */
export function speechSamples(probs: ArrayLike<number>, totalSamples: number, rate: number, window: number, params: SileroParams): [number, number][] {
  const threshold = params.threshold;
  const negThreshold = negThresholdOf(params);
  const minSpeech = (rate * params.minSpeechMs) / 1000;
  const minSilence = (rate * params.minSilenceMs) / 1000;
  const pad = (rate * params.speechPadMs) / 1000;
  const minSilenceAtMax = (rate * MIN_SILENCE_AT_MAX_SPEECH_MS) / 1000;
  const maxSpeech = params.maxSpeechMs == null ? Infinity : (rate * params.maxSpeechMs) / 1000 - window - 2 * pad;

  const speeches: [number, number][] = [];
  let triggered = false;
  let start = 0;
  /** 0 means unset, as upstream. */
  let tempEnd = 0;
  /** Pauses inside the current segment longer than minSilenceAtMax: [where it began, its length]. */
  const possibleEnds: [number, number][] = [];

  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    const s = window * i;
    if (p >= threshold && tempEnd !== 0) {
      const d = s - tempEnd;
      if (d > minSilenceAtMax) possibleEnds.push([tempEnd, d]);
      tempEnd = 0;
    }
    if (p >= threshold && !triggered) {
      triggered = true;
      start = s;
      continue;
    }
    if (triggered && s - start > maxSpeech) {
      if (possibleEnds.length > 0) {
        // The longest pause, the first one on ties; speech resumes where that pause ended.
        let best = possibleEnds[0];
        for (const e of possibleEnds) if (e[1] > best[1]) best = e;
        speeches.push([start, best[0]]);
        start = best[0] + best[1];
        tempEnd = 0;
        possibleEnds.length = 0;
      } else {
        speeches.push([start, s]);
        tempEnd = 0;
        triggered = false;
        possibleEnds.length = 0;
        continue;
      }
    }
    if (p < negThreshold && triggered) {
      if (tempEnd === 0) tempEnd = s;
      if (s - tempEnd < minSilence) continue;
      if (tempEnd - start > minSpeech) speeches.push([start, tempEnd]);
      tempEnd = 0;
      triggered = false;
      possibleEnds.length = 0;
    }
  }
  if (triggered && totalSamples - start > minSpeech) speeches.push([start, totalSamples]);
  return padSpeeches(speeches, totalSamples, pad);
}

/** Upstream's padding: `pad` on each side, but gaps shorter than 2·pad are split half and half. */
function padSpeeches(speeches: [number, number][], totalSamples: number, pad: number): [number, number][] {
  for (let k = 0; k < speeches.length; k++) {
    const cur = speeches[k];
    if (k === 0) cur[0] = Math.trunc(Math.max(0, cur[0] - pad));
    if (k < speeches.length - 1) {
      const next = speeches[k + 1];
      const gap = next[0] - cur[1];
      if (gap < 2 * pad) {
        cur[1] += Math.floor(gap / 2);
        next[0] = Math.trunc(Math.max(0, next[0] - Math.floor(gap / 2)));
      } else {
        cur[1] = Math.trunc(Math.min(totalSamples, cur[1] + pad));
        next[0] = Math.trunc(Math.max(0, next[0] - pad));
      }
    } else {
      cur[1] = Math.trunc(Math.min(totalSamples, cur[1] + pad));
    }
  }
  return speeches;
}

/** Segments in ms (silero-vad.md §6, Output): `Math.round(sample · 1000 / rate)`. */
export function speechSegments(probs: ArrayLike<number>, totalSamples: number, rate: number, window: number, params: SileroParams): Segment[] {
  return speechSamples(probs, totalSamples, rate, window, params).map(([a, b]) => [Math.round((a * 1000) / rate), Math.round((b * 1000) / rate)]);
}
