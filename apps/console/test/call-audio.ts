/**
 * Test audio built from the golden example (16 kHz mono PCM16): a stereo G.711 μ-law call at 8 kHz,
 * each channel a different stretch of the speech, PCM16 slices of it, and the parts the browser tests upload.
 */
import { readFileSync } from 'node:fs';
import { exampleWavPath } from '@vadfleet/testkit/test-data';
import { WAV_FORMAT, wavFile, wavPcm16 } from '@vadfleet/testkit/wav';

export const EXAMPLE_WAV_PATH = exampleWavPath();
const EXAMPLE_SAMPLE_RATE = 16_000;
/** The example's samples (its `data` chunk only: other chunks follow it). */
const exampleSamples = (): Int16Array => wavPcm16(readFileSync(EXAMPLE_WAV_PATH));

/** G.711 μ-law encoder (ITU-T G.711, with the usual bias of 0x84 and clip at 32635). */
function linearToMulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/**
 * A two-channel 8 kHz μ-law WAV (format tag 7): channel c holds the example's speech from
 * `startsMs[c]` for `durationMs`, decimated 2:1 with a two-tap average (enough low-pass for VAD).
 */
export function stereoMulawCall(startsMs: [number, number], durationMs: number): Buffer {
  const samples = exampleSamples();
  const rate = EXAMPLE_SAMPLE_RATE / 2;
  const frames = (durationMs * rate) / 1000;
  const data = Buffer.alloc(frames * 2);
  startsMs.forEach((startMs, channel) => {
    const from = (startMs * EXAMPLE_SAMPLE_RATE) / 1000;
    for (let i = 0; i < frames; i++) {
      const a = samples[from + 2 * i] ?? 0;
      const b = samples[from + 2 * i + 1] ?? 0;
      data[i * 2 + channel] = linearToMulaw(Math.round((a + b) / 2));
    }
  });
  return wavFile({ formatTag: WAV_FORMAT.mulaw, channels: 2, sampleRate: rate, bitsPerSample: 8 }, data);
}

/** A 16 kHz PCM16 WAV with one channel per start: channel c holds the example from `startsMs[c]` for `durationMs`. */
export function pcm16Slice(startsMs: number[], durationMs: number): Buffer {
  const samples = exampleSamples();
  const channels = startsMs.length;
  const frames = (durationMs * EXAMPLE_SAMPLE_RATE) / 1000;
  const data = Buffer.alloc(frames * channels * 2);
  startsMs.forEach((startMs, channel) => {
    const from = (startMs * EXAMPLE_SAMPLE_RATE) / 1000;
    for (let i = 0; i < frames; i++) data.writeInt16LE(samples[from + i] ?? 0, (i * channels + channel) * 2);
  });
  return wavFile({ formatTag: WAV_FORMAT.pcm, channels, sampleRate: EXAMPLE_SAMPLE_RATE, bitsPerSample: 16 }, data);
}
