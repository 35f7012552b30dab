/**
 * The evaluation set, built deterministically from nothing but espeak-ng and SoX (Debian packages):
 * synthetic sentences placed on timelines with silences of 150 ms – 8 s, so the truth is known; white and
 * pink noise at several SNRs; a music stretch (synthesised chords, truth: not speech); 8 kHz μ-law and
 * A-law telephone versions; stereo calls whose two sides take turns. Files and their truth (ms) are
 * written once into a cache folder and reused while the recipe version is unchanged.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamingResampler } from '../audio/index.js';
import { writeWav } from '../bench/telephone-wav.js';
import type { Interval } from './frame-f1.js';

/** Bump when anything below changes what is generated. */
const RECIPE_VERSION = 1;
const RATE = 16000;

export interface EvalFile {
  /** File name in the cache folder. */
  name: string;
  /** Condition it belongs to (the tables' rows). */
  condition: string;
  rate: number;
  durationMs: number;
  /** Speech per channel, ms. */
  truth: Interval[][];
}

const SENTENCES = [
  'the quick brown fox jumps over the lazy dog',
  'please hold while I transfer your call to the next available agent',
  'my account number ends in four seven two nine',
  'we shipped the replacement part on monday morning',
  'could you spell your last name for me please',
  'the meeting has been moved to thursday afternoon',
  'I would like to cancel my subscription today',
  'thank you for calling and have a wonderful day',
  'the weather in the mountains changes very quickly',
  'our technician will arrive between nine and eleven',
  'is there anything else I can help you with',
  'the invoice shows a charge that I do not recognise',
];
const VOICES = ['en-us', 'en-gb', 'de', 'fr', 'es', 'it'];

/** mulberry32: a small seeded PRNG, so every build is identical. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** One sentence spoken by espeak-ng, at 16 kHz (int16 scale), trimmed to where it is audible. */
function speak(text: string, voice: string, speed: number, scratch: string): Float32Array {
  const path = join(scratch, 'utterance.wav');
  execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', path, text]);
  const bytes = readFileSync(path);
  let p = 12;
  let rate = 22050;
  let data: Buffer | undefined;
  while (p + 8 <= bytes.length) {
    const id = bytes.toString('latin1', p, p + 4);
    const size = bytes.readUInt32LE(p + 4);
    if (id === 'fmt ') rate = bytes.readUInt32LE(p + 12);
    if (id === 'data') {
      // espeak-ng streams its WAV to a pipe-like header: the data size may be a placeholder.
      data = bytes.subarray(p + 8, size > 0 && size < 0xffffff00 ? p + 8 + size : bytes.length);
      break;
    }
    p += 8 + size + (size & 1);
  }
  if (!data) throw new Error(`espeak-ng wrote no data for "${text}"`);
  const raw = new Float32Array(data.length >> 1);
  for (let i = 0; i < raw.length; i++) raw[i] = data.readInt16LE(2 * i);
  const resampler = new StreamingResampler(rate);
  const a = resampler.push(raw);
  const b = resampler.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  let first = 0;
  let last = out.length - 1;
  while (first < out.length && Math.abs(out[first]) < 300) first++;
  while (last > first && Math.abs(out[last]) < 300) last--;
  return out.slice(first, last + 1);
}

interface Timeline {
  samples: Float32Array;
  truth: Interval[];
}

/**
 * Utterances with silences of 150 ms – 8 s between them (log-uniform), about `seconds` long; with
 * `musicSeconds`, a chord stretch is placed in the middle, 1 s from any speech.
 */
function timeline(seconds: number, seed: number, scratch: string, options: { musicSeconds?: number; utterances?: Float32Array[] } = {}): Timeline {
  const r = rng(seed);
  const parts: { samples: Float32Array; speech: boolean }[] = [];
  let total = 0;
  let musicPlaced = !options.musicSeconds;
  let k = 0;
  while (total < seconds * RATE) {
    const gapMs = Math.round(150 * Math.pow(8000 / 150, r()));
    parts.push({ samples: new Float32Array(Math.round((gapMs * RATE) / 1000)), speech: false });
    if (!musicPlaced && total > (seconds * RATE) / 2) {
      parts.push({ samples: new Float32Array(RATE), speech: false });
      parts.push({ samples: chords(options.musicSeconds!, r), speech: false });
      parts.push({ samples: new Float32Array(RATE), speech: false });
      musicPlaced = true;
    }
    const utterance =
      options.utterances?.[k % options.utterances.length] ??
      speak(SENTENCES[Math.floor(r() * SENTENCES.length)], VOICES[Math.floor(r() * VOICES.length)], 140 + Math.floor(r() * 40), scratch);
    const gain = 0.3 + 0.7 * r();
    parts.push({ samples: utterance.map((x) => x * gain), speech: true });
    k++;
    total = parts.reduce((n, p) => n + p.samples.length, 0);
  }
  parts.push({ samples: new Float32Array(Math.round(0.5 * RATE)), speech: false });
  const samples = new Float32Array(parts.reduce((n, p) => n + p.samples.length, 0));
  const truth: Interval[] = [];
  let at = 0;
  for (const p of parts) {
    samples.set(p.samples, at);
    if (p.speech) truth.push([(at * 1000) / RATE, ((at + p.samples.length) * 1000) / RATE]);
    at += p.samples.length;
  }
  return { samples, truth };
}

/** Piano-like chords (three notes with harmonics, decaying), a new chord every 0.75 s. */
function chords(seconds: number, r: () => number): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const chordSamples = Math.round(0.75 * RATE);
  for (let start = 0; start < out.length; start += chordSamples) {
    const root = 48 + Math.floor(r() * 12);
    for (const semis of [0, 4, 7]) {
      const f = 440 * Math.pow(2, (root + semis - 69) / 12);
      for (let i = 0; i < chordSamples && start + i < out.length; i++) {
        const t = i / RATE;
        const env = Math.exp(-3 * t) * 2500;
        out[start + i] += env * (Math.sin(2 * Math.PI * f * t) + 0.5 * Math.sin(4 * Math.PI * f * t) + 0.25 * Math.sin(6 * Math.PI * f * t));
      }
    }
  }
  return out;
}

/** Adds white or pink noise at `snrDb` relative to the speech's power (over its truth intervals). */
function addNoise(t: Timeline, kind: 'white' | 'pink', snrDb: number, seed: number): Float32Array {
  const r = rng(seed);
  let power = 0;
  let n = 0;
  for (const [a, b] of t.truth) {
    for (let i = Math.round((a * RATE) / 1000); i < Math.round((b * RATE) / 1000); i++) power += t.samples[i] ** 2;
    n += Math.round((b * RATE) / 1000) - Math.round((a * RATE) / 1000);
  }
  const noise = new Float32Array(t.samples.length);
  // Paul Kellet's economy pink filter on white noise.
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < noise.length; i++) {
    const w = gaussian(r);
    if (kind === 'white') noise[i] = w;
    else {
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      noise[i] = b0 + b1 + b2 + w * 0.1848;
    }
  }
  const noisePower = noise.reduce((s, x) => s + x * x, 0) / noise.length;
  const scale = Math.sqrt(power / Math.max(1, n) / noisePower / Math.pow(10, snrDb / 10));
  return t.samples.map((x, i) => x + noise[i] * scale);
}

/** Builds the set into `dir` (unless already built with this recipe) and returns its index. */
export function buildEvalSet(dir: string): EvalFile[] {
  const indexPath = join(dir, 'index.json');
  if (existsSync(indexPath)) {
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { version: number; files: EvalFile[] };
    if (index.version === RECIPE_VERSION) return index.files;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  const files: EvalFile[] = [];
  const durationOf = (n: number, rate: number) => (n * 1000) / rate;
  const add16k = (name: string, condition: string, samples: Float32Array, truth: Interval[]) => {
    writeWav(join(dir, name), [samples], RATE, 'pcm16');
    files.push({ name, condition, rate: RATE, durationMs: durationOf(samples.length, RATE), truth: [truth] });
  };
  /** SoX without dither (-D): 16 kHz → 8 kHz G.711, reproducible. */
  const telephone = (from: string, name: string, condition: string, encoding: 'mu-law' | 'a-law', truth: Interval[][], durationMs: number) => {
    execFileSync('sox', ['-D', join(dir, from), '-r', '8000', '-e', encoding, join(dir, name)]);
    files.push({ name, condition, rate: 8000, durationMs, truth });
  };

  const clean = [0, 1, 2, 3].map((i) => timeline(60, 1000 + i, scratch));
  clean.forEach((t, i) => add16k(`clean-${i}.wav`, 'clean 16 kHz', t.samples, t.truth));
  for (const kind of ['white', 'pink'] as const) {
    for (const snr of [20, 10, 5]) {
      // The same speech as clean-0 and clean-1, so conditions differ only by the noise.
      [0, 1].forEach((i) => add16k(`${kind}-${snr}dB-${i}.wav`, `${kind} noise ${snr} dB`, addNoise(clean[i], kind, snr, 2000 + snr * 10 + i), clean[i].truth));
    }
  }
  [0, 1].forEach((i) => {
    const t = timeline(60, 3000 + i, scratch, { musicSeconds: 8 });
    add16k(`music-${i}.wav`, 'music stretch + pink 20 dB', addNoise(t, 'pink', 20, 3100 + i), t.truth);
  });
  for (const [encoding, label] of [['mu-law', 'μ-law'], ['a-law', 'A-law']] as const) {
    [0, 1].forEach((i) => {
      const f = files.find((x) => x.name === `clean-${i}.wav`)!;
      telephone(f.name, `${encoding}-clean-${i}.wav`, `8 kHz ${label}, clean`, encoding, f.truth, f.durationMs);
      const n = files.find((x) => x.name === `pink-10dB-${i}.wav`)!;
      telephone(n.name, `${encoding}-pink-10dB-${i}.wav`, `8 kHz ${label}, pink 10 dB`, encoding, n.truth, n.durationMs);
    });
  }
  // Stereo calls: one timeline of turns, each utterance on one side; the other side is silent but for line noise.
  [0, 1].forEach((i) => {
    const t = timeline(90, 4000 + i, scratch);
    const sides = [new Float32Array(t.samples.length), new Float32Array(t.samples.length)];
    const truth: Interval[][] = [[], []];
    t.truth.forEach(([a, b], k) => {
      const from = Math.round((a * RATE) / 1000);
      const to = Math.round((b * RATE) / 1000);
      sides[k % 2].set(t.samples.subarray(from, to), from);
      truth[k % 2].push([a, b]);
    });
    const noisy = sides.map((s, c) => addNoise({ samples: s, truth: t.truth }, 'pink', 25, 4100 + 2 * i + c));
    const stereo16k = `call16k-${i}.wav`;
    writeWav(join(dir, stereo16k), noisy, RATE, 'pcm16');
    execFileSync('sox', ['-D', join(dir, stereo16k), '-r', '8000', '-e', 'mu-law', join(dir, `call-${i}.wav`)]);
    rmSync(join(dir, stereo16k));
    files.push({ name: `call-${i}.wav`, condition: 'stereo call, 8 kHz μ-law', rate: 8000, durationMs: durationOf(t.samples.length, RATE), truth });
  });
  rmSync(scratch, { recursive: true, force: true });
  writeFileSync(indexPath, JSON.stringify({ version: RECIPE_VERSION, files }, null, 1));
  return files;
}
