/**
 * Formats without an in-process decoder (M4A/AAC, WebM, AIFF, CAF, Ogg Vorbis, ...) through an `ffmpeg`
 * child process: it reads the file, the stream on its stdin, or a spooled copy (see ffmpeg-input.ts);
 * 16 kHz float32 PCM with the original channel count comes back on stdout (ffmpeg resamples). The channel count, codec and input rate are read from the stream
 * description ffmpeg prints on stderr before any output.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { VadError, type ErrorCode } from '@vadfleet/shared/errors';
import type { OpenAudioOptions } from '../types.js';
import type { ByteSource } from './byte-source.js';
import type { DecodedAudio } from './decoded-audio.js';
import { ffmpegInput } from './ffmpeg-input.js';
import { OUTPUT_RATE } from './resampler.js';

const NO_FFMPEG =
  'this format needs ffmpeg, which was not found: install ffmpeg (e.g. apt-get install ffmpeg) to decode M4A/AAC/WebM, or convert to WAV/FLAC/MP3';
const MAX_STDERR_CHARS = 64 * 1024;
const MAX_STDERR_TAIL_CHARS = 4096;
const FRAMES_PER_STEP = 8192;

const LAYOUT_CHANNELS: Record<string, number> = {
  mono: 1, stereo: 2, '2.1': 3, '3.0': 3, '3.0(back)': 3, '4.0': 4, quad: 4, 'quad(side)': 4, '3.1': 4, '5.0': 5,
  '5.0(side)': 5, '4.1': 5, '5.1': 6, '5.1(side)': 6, '6.0': 6, '6.0(front)': 6, hexagonal: 6, '6.1': 7,
  '6.1(back)': 7, '6.1(front)': 7, '7.0': 7, '7.0(front)': 7, '7.1': 8, '7.1(wide)': 8, '7.1(wide-side)': 8, octagonal: 8,
};

interface StreamDescription {
  codec: string;
  inputRate: number;
  channels: number;
  durationSeconds?: number;
}

/** Parses ffmpeg's stderr banner once it has described both the input and the output audio stream. */
export function parseFfmpegStreams(stderr: string): StreamDescription | null {
  const outputAt = stderr.indexOf('Output #0');
  if (outputAt < 0) return null;
  const audio = /Stream #\d+:\d+[^\n]*?: Audio: ([^\n]*)/g;
  const input = audio.exec(stderr.slice(0, outputAt));
  const output = /Stream #\d+:\d+[^\n]*?: Audio: ([^\n]*)\n/.exec(stderr.slice(outputAt));
  if (!input || !output) return null;
  const [codecField, rateField] = input[1].split(', ');
  const layout = output[1].split(', ')[2]?.trim() ?? '';
  const counted = /^(\d+) channels/.exec(layout);
  const channels = counted ? Number(counted[1]) : LAYOUT_CHANNELS[layout];
  if (!channels) throw new VadError('UNSUPPORTED_FORMAT', `ffmpeg: unrecognised channel layout "${layout}"`);
  const duration = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(stderr);
  return {
    codec: codecField.split(' ')[0],
    inputRate: Number.parseInt(rateField, 10) || OUTPUT_RATE,
    channels,
    ...(duration ? { durationSeconds: Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) } : {}),
  };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]?.trim() ?? '';
}

/**
 * ffmpeg's messages that say what is wrong with the input, most specific first; `when` narrows an entry
 * by the whole stderr. A container that lists streams but no audio is a video; one that lists no stream
 * at all was cut short or is empty.
 */
const FAILURES: readonly { pattern: RegExp; when?: (stderr: string) => boolean; code: ErrorCode; what: string }[] = [
  { pattern: /moov atom not found/, code: 'INVALID_AUDIO', what: 'the MP4/M4A file has no index (moov atom): it is truncated or was never finished' },
  { pattern: /matches no streams|does not contain any stream/, when: (e) => !/Stream #\d+:\d+/.test(e), code: 'INVALID_AUDIO', what: 'the container holds no streams: it is truncated or empty' },
  { pattern: /matches no streams|does not contain any stream/, code: 'UNSUPPORTED_FORMAT', what: 'the file has no audio stream' },
  { pattern: /Decoder \(codec [^)]*\) not found|Unknown decoder|Unsupported codec|Could not find codec parameters|no decoder found/i, code: 'UNSUPPORTED_FORMAT', what: 'ffmpeg has no decoder for its audio codec' },
  { pattern: /Invalid data found|partial file|Error while decoding|corrupt/i, code: 'INVALID_AUDIO', what: 'ffmpeg could not decode the audio' },
];

/**
 * The error for a failed ffmpeg run (or one that exited 0 without a sample after reporting errors):
 * INVALID_AUDIO or UNSUPPORTED_FORMAT from its stderr, quoting the line; null when it reported nothing.
 */
export function ffmpegFailure(stderr: string, exitCode: number | null): VadError | null {
  const lines = stderr.split('\n');
  for (const { pattern, when, code, what } of FAILURES) {
    const line = lines.find((l) => pattern.test(l));
    if (line && (!when || when(stderr))) return new VadError(code, `${what} (ffmpeg: ${line.trim()})`);
  }
  if (exitCode === 0) return null;
  return new VadError('INVALID_AUDIO', `ffmpeg could not decode the audio: ${lastLine(stderr) || `exit code ${exitCode}`}`);
}

type FfmpegProcess = ChildProcessByStdio<Writable | null, Readable, Readable>;

/** Copies the source into ffmpeg's stdin with backpressure; stops quietly when ffmpeg stops reading. */
async function pumpInput(src: ByteSource, stdin: Writable): Promise<void> {
  stdin.on('error', () => undefined); // EPIPE when ffmpeg exits early; its exit status tells what happened
  try {
    for (;;) {
      const bytes = await src.readSome(64 * 1024);
      if (bytes.length === 0 || stdin.destroyed) break;
      if (!stdin.write(Buffer.from(bytes))) await Promise.race([once(stdin, 'drain'), once(stdin, 'close')]);
    }
  } finally {
    stdin.end();
  }
}

export async function openFfmpeg(src: ByteSource, head: Uint8Array, opts: OpenAudioOptions): Promise<DecodedAudio> {
  const input = await ffmpegInput(src, head, opts);
  const child: FfmpegProcess = spawn(
    opts.ffmpegPath ?? 'ffmpeg',
    [
      '-hide_banner', '-nostdin', '-nostats',
      // Only the input itself: a playlist or reference inside it must not make ffmpeg open other files or URLs.
      '-protocol_whitelist', input.piped ? 'pipe' : 'file',
      '-i', input.url, '-map', '0:a:0', '-vn', '-c:a', 'pcm_f32le', '-f', 'f32le', '-ar', String(OUTPUT_RATE), 'pipe:1',
    ],
    { stdio: [input.piped ? 'pipe' : 'ignore', 'pipe', 'pipe'] },
  ) as FfmpegProcess;
  let stderr = '';
  let stderrTail = '';
  let exitCode: number | null = null;
  // 'close' follows a spawn failure too.
  const exited = new Promise<void>((resolve) => child.once('close', (code) => { exitCode = code; resolve(); }));
  const removed = exited.then(() => input.remove());
  const kill = () => { if (exitCode === null) child.kill('SIGKILL'); };
  const onAbort = () => kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const cleanup = () => {
    opts.signal?.removeEventListener('abort', onAbort);
    kill();
  };
  /** The banner and the last lines (errors come last). */
  const stderrText = () => (stderrTail && !stderr.endsWith(stderrTail) ? `${stderr}\n${stderrTail}` : stderr);

  let pumpError: unknown = null;
  const pumping = child.stdin ? pumpInput(src, child.stdin).catch((err: unknown) => { pumpError = err; kill(); }) : Promise.resolve();

  let description: StreamDescription | null;
  try {
    description = await new Promise<StreamDescription>((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'ENOENT' ? new VadError('UNSUPPORTED_FORMAT', NO_FFMPEG) : new VadError('INTERNAL', `ffmpeg: ${err.message}`));
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => {
        if (stderr.length < MAX_STDERR_CHARS) stderr += text;
        stderrTail = (stderrTail + text).slice(-MAX_STDERR_TAIL_CHARS);
        try {
          const parsed = parseFfmpegStreams(stderr);
          if (parsed) resolve(parsed);
        } catch (err) {
          reject(err);
        }
      });
      void exited.then(() => {
        opts.signal?.throwIfAborted();
        reject(pumpError ?? ffmpegFailure(stderrText(), exitCode) ?? new VadError('INVALID_AUDIO', `ffmpeg described no audio stream (exit code ${exitCode})`));
      }).catch(reject);
    });
  } catch (err) {
    cleanup();
    await removed;
    throw err;
  }

  const { channels } = description;
  const info = {
    container: 'ffmpeg' as const,
    codec: description.codec,
    sampleRate: description.inputRate,
    channels,
    ...(description.durationSeconds === undefined ? {} : { declaredFrames: Math.round(description.durationSeconds * description.inputRate) }),
  };

  async function* chunks(): AsyncGenerator<Float32Array[], void, undefined> {
    try {
      const frameBytes = 4 * channels;
      const outputs = Array.from({ length: channels }, () => new Float32Array(FRAMES_PER_STEP + 1));
      const views = outputs.map((o) => o.subarray(0, 0));
      // Whole frames are assembled here (bytes left from the last read first), so reads need no alignment.
      const scratch = new Uint8Array(FRAMES_PER_STEP * frameBytes);
      const view = new DataView(scratch.buffer);
      let carryLength = 0;
      let frameIndex = 0;
      for await (const data of child.stdout as AsyncIterable<Buffer>) {
        for (let offset = 0; offset < data.length; ) {
          const take = Math.min(data.length - offset, scratch.length - carryLength);
          scratch.set(data.subarray(offset, offset + take), carryLength);
          offset += take;
          const filled = carryLength + take;
          const frames = Math.floor(filled / frameBytes);
          for (let c = 0; c < channels; c++) {
            const out = outputs[c];
            for (let f = 0, p = 4 * c; f < frames; f++, p += frameBytes) {
              const v = view.getFloat32(p, true);
              if (!Number.isFinite(v)) throw new VadError('INVALID_AUDIO', `ffmpeg: sample ${frameIndex + f} is not finite`);
              out[f] = (v > 1 ? 1 : v < -1 ? -1 : v) * 32768;
            }
            views[c] = out.subarray(0, frames);
          }
          frameIndex += frames;
          carryLength = filled - frames * frameBytes;
          scratch.copyWithin(0, frames * frameBytes, filled);
          if (frames > 0) yield views;
        }
      }
      await exited;
      await pumping;
      if (pumpError) throw pumpError;
      // A run that exits 0 with no samples after reporting errors failed too (e.g. an MP4 index ffmpeg
      // could not reach): not an empty recording.
      if (exitCode !== 0 || frameIndex === 0) {
        const failure = ffmpegFailure(stderrText(), exitCode);
        if (failure) throw failure;
      }
    } finally {
      cleanup();
      await removed;
    }
  }

  // ffmpeg's Duration is rounded to 10 ms and may count codec priming: a tenth of a second of slack.
  return { info, chunkRate: OUTPUT_RATE, chunks: chunks(), release: cleanup, declaredSlackFrames: Math.round(description.inputRate / 10) };
}
