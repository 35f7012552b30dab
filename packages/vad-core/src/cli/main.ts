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

Finds speech in audio files with FunASR's FSMN-VAD (default) or Silero VAD v6.2 and prints one JSON
line per file:
  {"file","durationMs","sampleRate","channels":[{"channel":0,"segments":[[startMs,endMs],...]}],
   "params","model":{"name","version"?,"sha256"},"version","timings","warnings":[...]}
warnings: e.g. {"code":"TRUNCATED_INPUT","message","declaredMs","decodedMs"} when the file ends before
its header says (what arrived is analysed). A file that fails prints {"file","error":{"code","message"}};
the other files still run.

Formats: WAV (PCM 8/16/24/32-bit, float, mu-law, A-law, RF64), MP3, FLAC, Ogg/Opus; others through
ffmpeg on PATH. Any rate from 8 to 192 kHz. Every channel is analysed on its own.

Options:
  --model-dir DIR             model files (default: $VAD_MODEL_DIR, else models/fsmn-vad;
                              fetch them with \`npm run model:fetch\`)
  --model fsmn|silero         the model (default fsmn); each takes only its own parameters below
  --preset NAME               ${PRESET_NAMES.join(' | ')} (default meeting = FunASR's / Silero's defaults)
 FSMN:
  --max-end-silence MS        decides whether a pause splits a segment (pauses of about MS - 240 ms
                              or more split), not where a segment ends; 200..6000 (preset's value)
  --speech-noise-thres X      speech if P(speech) - P(silence) >= X, -1 < X < 1 (preset's value)
  --max-segment MS            force-split segments longer than this, >= 1000, multiple of 10 (60000)
  --tight                     no look-back/look-ahead padding around segments
 Silero (upstream get_speech_timestamps; 8 and 16 kHz run natively, other rates at 16 kHz):
  --threshold X               speech starts at P(speech) >= X, 0.01 < X < 1 (0.5)
  --neg-threshold X           speech ends below X, < threshold (threshold - 0.15, at least 0.01)
  --min-speech MS             drop segments not longer than this (250)
  --min-silence MS            silence that ends a segment (100)
  --speech-pad MS             padding on each side (30)
  --max-speech MS             cut longer segments at their longest pause (no limit)
  --quantized                 use the int8 model (approximate: boundaries within +-10 ms)
  --threads N                 inference threads (default 1)
  --provider cpu|cuda|auto    execution provider (default cpu; cuda needs onnxruntime-node's CUDA provider: README)
  --max-channels N            refuse audio with more channels (default 8)
  --max-duration-ms MS        refuse longer audio (default 14400000 = 4 h)
  --frame-probs FILE          also write per-frame probabilities as CSV: file,channel,frame,start_ms,p_speech,p_silence (FSMN)
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
        model: { type: 'string' },
        preset: { type: 'string' },
        threshold: { type: 'string' },
        'neg-threshold': { type: 'string' },
        'min-speech': { type: 'string' },
        'min-silence': { type: 'string' },
        'speech-pad': { type: 'string' },
        'max-speech': { type: 'string' },
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
    // Only the options given: a parameter of another model is then refused by name.
    const given = Object.entries({
      model: values.model,
      preset: values.preset,
      maxEndSilenceMs: numberOption('max-end-silence', values['max-end-silence']),
      speechNoiseThres: numberOption('speech-noise-thres', values['speech-noise-thres']),
      maxSegmentMs: numberOption('max-segment', values['max-segment']),
      boundaries: values.tight ? 'tight' : undefined,
      threshold: numberOption('threshold', values.threshold),
      negThreshold: numberOption('neg-threshold', values['neg-threshold']),
      minSpeechMs: numberOption('min-speech', values['min-speech']),
      minSilenceMs: numberOption('min-silence', values['min-silence']),
      speechPadMs: numberOption('speech-pad', values['speech-pad']),
      maxSpeechMs: numberOption('max-speech', values['max-speech']),
    }).filter(([, v]) => v !== undefined);
    params = parseVadParams(Object.fromEntries(given));
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
