/** `vadfleet split` and `vadfleet timemap` as a user runs them: the bin in a child process, real model. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_WAV, MODEL_DIR } from '../../vad-core/src/testing/example-audio.js';
import { expectSameSamples } from '../../vad-core/src/audio/testing/collect-audio.js';
import { decodedAt, mulawStereo, readExported } from '../../speech-export/src/testing/export-fixtures.js';
import { planPieces, type SpeechExportResult } from '@vadfleet/speech-export';

const BIN = fileURLToPath(new URL('../bin/vadfleet.js', import.meta.url));
/** Hang guard for a child process that loads the model (not a timing assertion). */
const GUARD = 120_000;

function vadfleet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, VAD_MODEL_DIR: MODEL_DIR }, timeout: GUARD }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

let tmp: string;
let call: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vadfleet-split-'));
  call = join(tmp, 'call.wav');
  writeFileSync(call, mulawStereo(8000 * 6, 42));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Manifest {
  file: string;
  durationMs: number;
  channels: { channel: number; segments: [number, number][] }[];
  speech: SpeechExportResult;
}

describe('vadfleet split', () => {
  it('exports every file: one manifest each, clips equal to the decoder samples of their segments', async () => {
    const out = join(tmp, 'clips');
    const hello = EXAMPLE_WAV.replace('vad_example.wav', 'hello_en.wav');
    const run = await vadfleet(['split', EXAMPLE_WAV, hello, call, '--out', out, '--pad-ms', '50', '--sample-rate', '8000', '--format', 'flac']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.manifest)).toEqual(['vad_example', 'hello_en', 'call'].map((n) => join(out, `${n}.json`)));
    for (const [i, input] of [EXAMPLE_WAV, hello, call].entries()) {
      const manifest = JSON.parse(readFileSync(lines[i].manifest, 'utf8')) as Manifest;
      expect(manifest.file).toBe(input);
      expect(manifest.speech).toMatchObject({ layout: 'clips', format: 'flac', sampleRate: 8000 });
      const decoded = await decodedAt(new Uint8Array(readFileSync(input)), 8000);
      for (const ch of manifest.speech.channels) {
        const segments = manifest.channels[ch.channel].segments;
        const pieces = planPieces(segments, manifest.durationMs, 50);
        expect(ch.objects.map((o) => [o.segmentIndex, o.startMs, o.endMs])).toEqual(pieces.map((p) => [p.segmentIndex, p.startMs, p.endMs]));
        let speech = 0;
        for (const [index, o] of ch.objects.entries()) {
          expect(o.key).toBe(`${basename(input, '.wav')}/ch${ch.channel}/${index}-${o.startMs}-${o.endMs}.flac`);
          const clip = await readExported(join(out, o.key));
          expectSameSamples(clip.samples, decoded.channels[ch.channel].subarray(Math.round(o.startMs! * 8), Math.round(o.endMs! * 8)));
          speech += o.durationMs;
        }
        expect(ch.speechMs).toBeCloseTo(speech, 3);
        expect(ch.removedRatio).toBeCloseTo(1 - speech / manifest.durationMs, 3);
      }
    }
  }, GUARD);

  it('joined: a track and a time map per channel, and timemap prints source times', async () => {
    const out = join(tmp, 'joined');
    const run = await vadfleet(['split', EXAMPLE_WAV, '--out', out, '--layout', 'joined', '--gap-ms', '300']);
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'vad_example.json'), 'utf8')) as Manifest;
    const ch = manifest.speech.channels[0];
    expect(ch.objects.map((o) => o.key)).toEqual(['vad_example/ch0.wav']);
    expect(ch.mapKey).toBe('vad_example/ch0.map.json');
    const segments = manifest.channels[0].segments;
    const track = await readExported(join(out, 'vad_example/ch0.wav'));
    const pieces = segments.reduce((n, [a, b]) => n + (b - a) * 16, 0);
    expect(track.samples.length).toBe(pieces + 300 * 16 * (segments.length - 1));
    // 1 s into the track is 1 s after the first segment's start; 0.1 s after the first piece is in a gap.
    const firstLength = (segments[0][1] - segments[0][0]) / 1000;
    const map = await vadfleet(['timemap', join(out, ch.mapKey!), '1', String(firstLength + 0.1)]);
    expect(map.code, map.stderr).toBe(0);
    expect(map.stdout).toBe(`1\t${(segments[0][0] + 1000) / 1000}\n${firstLength + 0.1}\t${segments[0][1] / 1000}\tgap\n`);
  }, GUARD);

  it('usage errors exit 2 without loading anything; a bad file is a JSON error line and exit 1', async () => {
    for (const args of [['--format', 'mp3'], ['--layout', 'x'], ['--sample-rate', '44100'], ['--pad-ms', '-3'], ['--max-clip-ms', 'abc']]) {
      const run = await vadfleet(['split', EXAMPLE_WAV, '--out', tmp, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/vadfleet split: /);
    }
    expect((await vadfleet(['split', EXAMPLE_WAV])).code).toBe(2);
    const missing = await vadfleet(['split', join(tmp, 'nope.wav'), '--out', join(tmp, 'x')]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('INPUT_NOT_FOUND');
    expect((await vadfleet(['timemap', join(tmp, 'nope.json'), '1'])).code).toBe(1);
    expect((await vadfleet(['timemap', join(tmp, 'nope.json'), 'soon'])).code).toBe(2);
  }, GUARD);
});
