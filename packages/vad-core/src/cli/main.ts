/**
 * `vadfleet detect FILE...` (run by the `vadfleet` bin of @vadfleet/cli): one JSON line per file on stdout. Exit 0 when every file succeeded,
 * 1 when any failed (its line carries {code, message}), 2 for a usage error.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { PRESET_NAMES, parseVadParams } from '@vadfleet/shared/vad-params';
import { toVadError } from '@vadfleet/shared/errors';
import { FRAME_MS } from '../features/fbank.js';
import { Vad, type Progress } from '../vad.js';
import { ProgressBar } from './progress-bar.js';

const HELP = `Usage: vadfleet detect FILE... [options]

Finds speech in audio files with FunASR's FSMN-VAD and prints one JSON line per file:
  {"file","durationMs","sampleRate","channels":[{"channel":0,"segments":[[startMs,endMs],...]}],
   "params","model":{"name","sha256"},"version","timings"}
A file that fails prints {"file","error":{"code","message"}}; the other files still run.

Formats: WAV (PCM 8/16/24/32-bit, float, mu-law, A-law, RF64), MP3, FLAC, Ogg/Opus; others through
ffmpeg on PATH. Any rate from 8 to 192 kHz. Every channel is analysed on its own.

Options:
  --model-dir DIR             model files (default: $VAD_MODEL_DIR, else models/fsmn-vad;
                              fetch them with \`npm run model:fetch\`)
  --preset NAME               ${PRESET_NAMES.join(' | ')} (default meeting = FunASR's defaults)
  --max-end-silence MS        trailing silence that ends a segment, 200..6000 (preset's value)
  --speech-noise-thres X      speech if P(speech) - P(silence) >= X, -1 < X < 1 (preset's value)
  --max-segment MS            force-split segments longer than this, >= 1000, multiple of 10 (60000)
  --tight                     no look-back/look-ahead padding around segments
  --quantized                 use the int8 model (approximate: boundaries within +-10 ms)
  --threads N                 inference threads (default 1)
  --provider cpu|cuda|auto    execution provider (default cpu; cuda needs onnxruntime-node's CUDA provider: README)
  --max-channels N            refuse audio with more channels (default 8)
  --max-duration-ms MS        refuse longer audio (default 14400000 = 4 h)
  --frame-probs FILE          also write per-frame probabilities as CSV: file,channel,frame,start_ms,p_speech,p_silence
  -h, --help                  this text

Exit status: 0 all files succeeded, 1 some file failed, 2 usage error.`;

function usage(message: string): never {
  process.stderr.write(`vadfleet: ${message}\nRun \`vadfleet --help\` for usage.\n`);
  process.exit(2);
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) usage(`--${name} needs a number, got "${value}"`);
  return n;
}

/** Runs `vadfleet detect …` with `args` (argv after the node and script paths); resolves to the exit status. */
export async function runDetectCli(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'model-dir': { type: 'string' },
        preset: { type: 'string' },
        'max-end-silence': { type: 'string' },
        'speech-noise-thres': { type: 'string' },
        'max-segment': { type: 'string' },
        tight: { type: 'boolean' },
        quantized: { type: 'boolean' },
        threads: { type: 'string' },
        provider: { type: 'string' },
        'max-channels': { type: 'string' },
        'max-duration-ms': { type: 'string' },
        'frame-probs': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const [command, ...files] = positionals;
  if (command !== 'detect') usage(command ? `unknown command "${command}"` : 'missing command');
  if (files.length === 0) usage('no input files');
  const provider = values.provider ?? 'cpu';
  if (provider !== 'cpu' && provider !== 'cuda' && provider !== 'auto') usage(`--provider must be cpu, cuda or auto, got "${provider}"`);
  const threads = numberOption('threads', values.threads) ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) usage('--threads must be an integer from 1 to 64');

  const maxChannels = numberOption('max-channels', values['max-channels']);
  if (maxChannels !== undefined && (!Number.isInteger(maxChannels) || maxChannels < 1)) usage('--max-channels must be an integer ≥ 1');
  const maxDurationMs = numberOption('max-duration-ms', values['max-duration-ms']);
  if (maxDurationMs !== undefined && !(maxDurationMs > 0)) usage('--max-duration-ms must be a number of milliseconds > 0');

  let params;
  try {
    params = parseVadParams({
      preset: values.preset,
      maxEndSilenceMs: numberOption('max-end-silence', values['max-end-silence']),
      speechNoiseThres: numberOption('speech-noise-thres', values['speech-noise-thres']),
      maxSegmentMs: numberOption('max-segment', values['max-segment']),
      boundaries: values.tight ? 'tight' : undefined,
    });
  } catch (err) {
    usage(toVadError(err).message);
  }

  const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
  let vad: Vad;
  try {
    vad = await Vad.create({
      modelDir: values['model-dir'] ?? process.env.VAD_MODEL_DIR,
      quantized: values.quantized,
      provider,
      threads,
      onWarning: (message) => process.stderr.write(`vadfleet: ${message}\n`),
    });
  } catch (err) {
    const { code, message } = toVadError(err).toData();
    for (const file of files) print({ file, error: { code, message } });
    return 1;
  }

  const probsOut = values['frame-probs'] ? createWriteStream(values['frame-probs']) : undefined;
  probsOut?.write('file,channel,frame,start_ms,p_speech,p_silence\n');
  let failed = 0;
  try {
    for (const file of files) {
      const bar = process.stderr.isTTY ? new ProgressBar(process.stderr, file) : undefined;
      try {
        const result = await vad.detect(file, {
          params,
          maxChannels,
          maxDurationMs,
          onProgress: bar ? (p: Progress) => bar.update(p) : undefined,
          onFrameProbs: probsOut
            ? (channel, firstFrame, probs) => {
                let text = '';
                for (let i = 0; i < probs.length; i++) {
                  const f = firstFrame + i;
                  text += `${file},${channel},${f},${f * FRAME_MS},${1 - probs[i]},${probs[i]}\n`;
                }
                probsOut.write(text);
              }
            : undefined,
        });
        bar?.done();
        print({ file, ...result });
      } catch (err) {
        bar?.done();
        failed++;
        const error = toVadError(err);
        if (error.code === 'INTERNAL') process.stderr.write(`vadfleet: ${file}: ${String((err as Error)?.stack ?? err)}\n`);
        print({ file, error: error.toData() });
      }
    }
  } finally {
    await vad.close();
    if (probsOut) await new Promise((resolve) => probsOut.end(resolve));
  }
  return failed > 0 ? 1 : 0;
}
export { ProgressBar } from './progress-bar.js';
