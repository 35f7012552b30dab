/**
 * Part of `npm run bench`: peak RSS and wall time of speech export on a generated 4-hour stereo 8 kHz
 * μ-law call (vad_example.wav decimated, the second channel shifted by 37 s; ~230 MB in a temp dir,
 * deleted afterwards), against a plain detect of the same file. Each configuration runs in its own child
 * process, so each peak RSS (`process.resourceUsage().maxRSS`) is that configuration's alone. Exported
 * objects go to files in the temp dir (FLAC at 8 kHz, to keep the disk use down). Asserts nothing.
 *
 * Flags: --model-dir DIR (else VAD_MODEL_DIR, else ../shared beside the repo), --minutes N (default 240).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toByteStream, Vad } from '@vadfleet/vad-core';
import { exportSpeech } from '../export-speech.js';
import { FileStore } from '../object-store.js';
import { parseSpeechOptions } from '../speech-options.js';

type Mode = 'detect' | 'clips' | 'joined';
interface Report {
  mode: Mode;
  wallMs: number;
  maxRssMb: number;
  objects: number;
  speechS: number;
}

const MAX_DURATION_MS = 4 * 3600 * 1000;

async function child(mode: Mode, path: string, modelDir: string, out: string): Promise<Report> {
  const vad = await Vad.create({ modelDir });
  const started = performance.now();
  const detected = await vad.detect(path, { maxDurationMs: MAX_DURATION_MS });
  let objects = 0;
  let speechS = 0;
  if (mode !== 'detect') {
    const result = await exportSpeech({
      source: await toByteStream(path),
      channels: detected.channels,
      durationMs: detected.durationMs,
      options: parseSpeechOptions({ layout: mode, format: 'flac', sampleRate: 8000, ...(mode === 'clips' ? { maxClipMs: 30000 } : { gapMs: 200 }) }),
      store: new FileStore(out),
      base: mode,
      maxDurationMs: MAX_DURATION_MS,
    });
    for (const ch of result.channels) {
      objects += ch.objects.length;
      speechS += ch.speechMs / 1000;
    }
  }
  const wallMs = performance.now() - started;
  await vad.close();
  return { mode, wallMs, maxRssMb: process.resourceUsage().maxRSS / 1024, objects, speechS };
}

/** G.711 μ-law encoding of a 16-bit linear sample. */
function mulaw(sample: number): number {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(32635, Math.abs(sample)) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = 0;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** The example's samples (16 kHz mono PCM16, `data` chunk) → a stereo 8 kHz μ-law WAV of `minutes`. */
function writeCall(example: Uint8Array, minutes: number, path: string): void {
  const view = new DataView(example.buffer, example.byteOffset, example.byteLength);
  let offset = 12;
  let data: Int16Array | undefined;
  while (offset + 8 <= example.length && !data) {
    const id = String.fromCharCode(...example.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') data = Int16Array.from({ length: size / 2 }, (_, i) => view.getInt16(offset + 8 + 2 * i, true));
    offset += 8 + size + (size & 1);
  }
  if (!data) throw new Error('the example has no data chunk');
  const source = Int16Array.from({ length: data.length >> 1 }, (_, i) => data[2 * i]); // crude 2:1 decimation: a workload, not audio quality
  const frames = minutes * 60 * 8000;
  const shift = 37 * 8000;
  const header = new Uint8Array(44);
  const h = new DataView(header.buffer);
  header.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
  h.setUint32(4, 36 + frames * 2, true);
  header.set([...'WAVEfmt '].map((c) => c.charCodeAt(0)), 8);
  h.setUint32(16, 16, true);
  h.setUint16(20, 7, true); // μ-law
  h.setUint16(22, 2, true);
  h.setUint32(24, 8000, true);
  h.setUint32(28, 16000, true);
  h.setUint16(32, 2, true);
  h.setUint16(34, 8, true);
  header.set([...'data'].map((c) => c.charCodeAt(0)), 36);
  h.setUint32(40, frames * 2, true);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    const step = 8000 * 60;
    const buf = new Uint8Array(step * 2);
    for (let f = 0; f < frames; f += step) {
      const n = Math.min(step, frames - f);
      for (let i = 0; i < n; i++) {
        buf[2 * i] = mulaw(source[(f + i) % source.length]);
        buf[2 * i + 1] = mulaw(source[(f + i + shift) % source.length]);
      }
      writeSync(fd, buf, 0, 2 * n);
    }
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'model-dir': { type: 'string' }, minutes: { type: 'string' }, child: { type: 'string' }, path: { type: 'string' }, out: { type: 'string' } } });
  const repoShared = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
  const modelDir = values['model-dir'] ?? process.env.VAD_MODEL_DIR ?? join(repoShared, 'models/fsmn-vad');
  if (values.child) {
    process.stdout.write(JSON.stringify(await child(values.child as Mode, values.path!, modelDir, values.out!)));
    return;
  }
  const minutes = Number(values.minutes ?? 240);
  const dir = mkdtempSync(join(tmpdir(), 'speech-export-bench-'));
  try {
    const path = join(dir, 'call.wav');
    writeCall(new Uint8Array(readFileSync(join(repoShared, 'audio/vad_example.wav'))), minutes, path);
    const reports: Report[] = [];
    for (const mode of ['detect', 'clips', 'joined'] as Mode[]) {
      const out = join(dir, `out-${mode}`);
      const stdout = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, '--path', path, '--out', out, '--model-dir', modelDir], { encoding: 'utf8', maxBuffer: 1 << 20 });
      reports.push(JSON.parse(stdout) as Report);
      rmSync(out, { recursive: true, force: true });
    }
    const base = reports[0];
    console.log(`\nSpeech export, ${minutes} min stereo 8 kHz μ-law call (FLAC 8 kHz out; one child process each, 1 inference thread):\n`);
    console.log('| run | wall s | peak RSS MB | RSS / plain detect | objects | speech exported s |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of reports) {
      console.log(`| ${r.mode === 'detect' ? 'plain detect' : `detect + export ${r.mode}`} | ${(r.wallMs / 1000).toFixed(1)} | ${r.maxRssMb.toFixed(0)} | ${(r.maxRssMb / base.maxRssMb).toFixed(2)} | ${r.objects} | ${r.speechS.toFixed(0)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
