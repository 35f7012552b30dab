/** `vadfleet detect` as a user runs it: the bin in a child process, output and exit status. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wav16 } from '../src/audio/testing/wav-writer.js';
import { EXAMPLE_WAV, GOLDEN, MODEL_DIR } from './fixtures.js';

// The `vadfleet` bin belongs to @vadfleet/cli, which hands `detect` to this package's runDetectCli.
const BIN = fileURLToPath(new URL('../../cli/bin/vadfleet.js', import.meta.url));
/** Hang guard for a child process that loads the model (not a timing assertion). */
const GUARD = 30_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON lines (empty for other output, e.g. --help). */
  lines: Record<string, unknown>[];
}

async function vadfleet(args: string[], timeout = GUARD): Promise<Run> {
  const { code, stdout, stderr } = await new Promise<Omit<Run, 'lines'>>((resolve) => {
    // Without ORT_DISABLE_TELEMETRY from the caller's environment: the CLI must not depend on it.
    const { ORT_DISABLE_TELEMETRY: _, ...env } = process.env;
    const options = { env: { ...env, VAD_MODEL_DIR: MODEL_DIR }, timeout, maxBuffer: 64 << 20 };
    execFile(process.execPath, [BIN, ...args], options, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
  // Outside the callback: a line that is not JSON fails the test instead of leaving the promise pending.
  const lines = stdout.startsWith('{') ? stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  return { code, stdout, stderr, lines };
}

let tmp: string;
let corrupt: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vadfleet-cli-'));
  corrupt = join(tmp, 'corrupt.wav');
  writeFileSync(corrupt, Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x00\x00', 'latin1')); // cut in fmt, 0 channels
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vadfleet detect', () => {
  it('prints one JSON line with the golden segments and exits 0', async () => {
    const run = await vadfleet(['detect', EXAMPLE_WAV]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines).toHaveLength(1);
    const line = run.lines[0];
    expect(line).toMatchObject({
      file: EXAMPLE_WAV,
      durationMs: 70471,
      sampleRate: 16000,
      channels: [{ channel: 0, segments: GOLDEN }],
      params: { preset: 'meeting', maxEndSilenceMs: 800, speechNoiseThres: 0.6, maxSegmentMs: 60000, boundaries: 'padded' },
      model: { name: 'fsmn-vad', sha256: '3b10ac401cf3e73290d3734c22ac328f485697008f183a54e2ae2cbef6a4a1e4' },
      version: '0.1.0',
    });
    expect(Object.keys(line.timings as object).sort()).toEqual(['decodeMs', 'featuresMs', 'modelMs', 'postprocessMs', 'totalMs']);
  }, GUARD);

  it('a corrupt file among good ones: its own error line without a stack trace, the others still run, exit 1', async () => {
    const run = await vadfleet(['detect', corrupt, EXAMPLE_WAV]);
    expect(run.code).toBe(1);
    expect(run.lines).toHaveLength(2);
    const [bad, good] = run.lines;
    expect(Object.keys(bad)).toEqual(['file', 'error']);
    expect(bad.file).toBe(corrupt);
    const error = bad.error as { code: string; message: string };
    expect(Object.keys(error).sort()).toEqual(['code', 'message']);
    expect(error.code).toBe('INVALID_AUDIO');
    expect(error.message).not.toMatch(/\n|\bat .*\.js:\d+/);
    expect(run.stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect(good).toMatchObject({ file: EXAMPLE_WAV, channels: [{ channel: 0, segments: GOLDEN }] });
  }, GUARD);

  it('--preset lecture', async () => {
    const run = await vadfleet(['detect', EXAMPLE_WAV, '--preset', 'lecture']);
    expect(run.code).toBe(0);
    expect(run.lines[0]).toMatchObject({ channels: [{ channel: 0, segments: [[70, 28970], [29960, 70450]] }], params: { preset: 'lecture', maxEndSilenceMs: 1500, speechNoiseThres: 0.7 } });
  }, GUARD);

  it('--max-segment 10000 splits the long utterances (spec §14)', async () => {
    const run = await vadfleet(['detect', '--max-segment', '10000', EXAMPLE_WAV]);
    expect(run.code).toBe(0);
    expect((run.lines[0].channels as { segments: number[][] }[])[0].segments).toEqual([
      [70, 2340], [2620, 6200], [6480, 16490], [16490, 23670], [23950, 26250], [26780, 28990], [29950, 31430],
      [31750, 37600], [38210, 46900], [47310, 49630], [49910, 56460], [56740, 59540], [59820, 69830], [69830, 70450],
    ]);
  }, GUARD);

  it('--frame-probs writes a CSV header and one row per frame (7045 for the example)', async () => {
    const csv = join(tmp, 'probs.csv');
    const run = await vadfleet(['detect', EXAMPLE_WAV, '--frame-probs', csv]);
    expect(run.code).toBe(0);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('file,channel,frame,start_ms,p_speech,p_silence');
    expect(rows).toHaveLength(1 + 7045);
    const [file, channel, frame, startMs, pSpeech, pSilence] = rows[48].split(',');
    expect([file, channel, frame, startMs]).toEqual([EXAMPLE_WAV, '0', '47', '470']);
    expect(Math.abs(Number(pSilence) - 0.001605117)).toBeLessThan(1e-5); // spec §14 check value
    expect(Number(pSpeech) + Number(pSilence)).toBeCloseTo(1, 6);
    expect(rows.at(-1)!.split(',')[2]).toBe('7044');
  }, GUARD);

  it('--model-dir /nonexistent: every file gets MODEL_NOT_FOUND, exit 1', async () => {
    const run = await vadfleet(['detect', EXAMPLE_WAV, corrupt, '--model-dir', '/nonexistent']);
    expect(run.code).toBe(1);
    expect(run.lines.map((l) => [l.file, (l.error as { code: string }).code])).toEqual([
      [EXAMPLE_WAV, 'MODEL_NOT_FOUND'],
      [corrupt, 'MODEL_NOT_FOUND'],
    ]);
  }, GUARD);

  it('2,000 files in one call (a shell glob of a day of calls): one line each, exit 0', async () => {
    // Before onnxruntime's telemetry was switched off, its first session parsed /proc/self/cmdline
    // with a recursive regex: ~14 KB of arguments overflowed an inference thread's stack (SIGSEGV).
    const dir = join(tmp, 'many-calls-with-rather-long-names');
    mkdirSync(dir);
    const wav = wav16([new Int16Array(800)], 8000); // 0.1 s of silence
    const files = Array.from({ length: 2000 }, (_, i) => join(dir, `voicemail-2026-12-07-${String(i).padStart(4, '0')}.wav`));
    for (const file of files) writeFileSync(file, wav);
    const run = await vadfleet(['detect', ...files], 10 * GUARD);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.map((l) => l.file)).toEqual(files);
    expect(run.lines[1999]).toMatchObject({ durationMs: 100, channels: [{ channel: 0, segments: [] }] });
  }, 10 * GUARD);

  it('a WAV cut short of its header: analysed, with a TRUNCATED_INPUT warning on its line', async () => {
    const cut = join(tmp, 'cut.wav');
    writeFileSync(cut, wav16([new Int16Array(16000 * 5.9)], 16000).subarray(0, 44 + 64000));
    const run = await vadfleet(['detect', cut, EXAMPLE_WAV]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines[0]).toMatchObject({ file: cut, durationMs: 2000, warnings: [{ code: 'TRUNCATED_INPUT', declaredMs: 5900, decodedMs: 2000 }] });
    expect(run.lines[1]).toMatchObject({ file: EXAMPLE_WAV, warnings: [] });
  }, GUARD);

  it('--help exits 0 and documents every option', async () => {
    const run = await vadfleet(['--help']);
    expect(run.code).toBe(0);
    for (const option of ['--model-dir', '--preset', '--max-end-silence', '--speech-noise-thres', '--max-segment', '--tight', '--quantized', '--threads', '--provider', '--max-channels', '--max-duration-ms', '--frame-probs', '--help']) {
      expect(run.stdout).toContain(option);
    }
    for (const preset of ['fast-dialogue', 'meeting', 'lecture', 'noisy']) expect(run.stdout).toContain(preset);
    // As the README's tuning guide and FunASR's state machine have it (a pause splits iff it lasts about
    // max end silence - 240 ms; a segment's end is 160 ms after its last speech frame whatever the value).
    expect(run.stdout).toMatch(/--max-end-silence MS\s+decides whether a pause splits a segment/);
    expect(run.stdout).not.toContain('ends a segment,');
  }, GUARD);
});

describe('usage errors: exit 2, a message on stderr, nothing on stdout', () => {
  it.each([
    ['an unknown option', ['detect', EXAMPLE_WAV, '--bogus'], /bogus/],
    ['no input file', ['detect'], /no input files/],
    ['no command', [EXAMPLE_WAV], /unknown command/],
    ['a bad --provider', ['detect', EXAMPLE_WAV, '--provider', 'gpu'], /--provider must be cpu, cuda or auto/],
    ['--threads 0', ['detect', EXAMPLE_WAV, '--threads', '0'], /--threads/],
    ['--threads abc', ['detect', EXAMPLE_WAV, '--threads', 'abc'], /--threads/],
    ['--speech-noise-thres 2 (names the field)', ['detect', EXAMPLE_WAV, '--speech-noise-thres', '2'], /speechNoiseThres/],
    ['--max-end-silence 100', ['detect', EXAMPLE_WAV, '--max-end-silence', '100'], /maxEndSilenceMs/],
    ['an unknown preset', ['detect', EXAMPLE_WAV, '--preset', 'loud'], /preset/],
    // Found by these tests: the two limits are passed on unchecked, so 0, negative or fractional values
    // fail every file (exit 1) or are silently accepted instead of being a usage error.
    ['--max-channels 0', ['detect', EXAMPLE_WAV, '--max-channels', '0'], /--max-channels/],
    ['--max-channels 1.5', ['detect', EXAMPLE_WAV, '--max-channels', '1.5'], /--max-channels/],
    ['--max-duration-ms=-5', ['detect', EXAMPLE_WAV, '--max-duration-ms=-5'], /--max-duration-ms/],
  ])('%s', async (_name, args, message) => {
    const run = await vadfleet(args);
    expect(run.code, run.stdout).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/vadfleet --help/);
  }, GUARD);
});
