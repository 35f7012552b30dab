/**
 * `vadfleet split FILE... --out DIR`: detects speech in local files and exports it (clips or a joined
 * track per channel, @vadfleet/speech-export), with one manifest JSON per input; `vadfleet timemap` maps
 * times of a joined track back to the source.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { toVadError } from '@vadfleet/shared/errors';
import { exportSpeech, FileStore, joinedToSource, parseSpeechOptions, type TimeMapEntry } from '@vadfleet/speech-export';
import { toByteStream, Vad } from '@vadfleet/vad-core';
import { parseVadParams } from '@vadfleet/shared/vad-params';
import { ProgressBar } from '@vadfleet/vad-core/cli';

const SPLIT_HELP = `Usage: vadfleet split FILE... --out DIR [options]

Finds the speech in each file and writes it out for speech recognition, sample-exact:
  clips   DIR/NAME/ch<N>/<index>-<startMs>-<endMs>.<ext>, one per segment per channel
  joined  DIR/NAME/ch<N>.<ext>, the channel's speech end to end, and DIR/NAME/ch<N>.map.json
          ([{outStartMs, srcStartMs, durationMs}]: see vadfleet timemap)
and DIR/NAME.json, the manifest (segments, objects, speechMs and removedRatio per channel). NAME is the
file's name without its extension. Prints one JSON line per file: {"file","manifest"} or {"file","error"}.

Options:
  --out DIR                  where to write (required)
  --layout clips|joined      (default clips)
  --format wav|flac          wav = PCM16 (default), flac = lossless, smaller
  --sample-rate 16000|8000|source   rate of the exported audio (default 16000; source = as decoded)
  --pad-ms N                 audio kept around each segment, never into a neighbour (default 0)
  --max-clip-ms N            clips: split longer ones at the quietest 10 ms of the last second (>= 2000)
  --gap-ms N                 joined: silence between pieces (default 0)
  --preset NAME, --model-dir DIR, --threads N, --max-channels N, --max-duration-ms MS   as for detect
Exit status: 0 all files succeeded, 1 some file failed, 2 usage error.`;

const TIMEMAP_HELP = `Usage: vadfleet timemap MAP.json SECONDS...

Prints, for each time in a joined track (seconds), the time in the source: "<joined>\\t<source>", with
"\\tgap" when the time falls in an inserted gap (the source time is then the end of the piece before it).`;

class UsageError extends Error {}

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} needs an integer, got "${value}"`);
  return n;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean };

export async function runSplitCli(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  let vad: Vad | undefined;
  try {
    const { values, positionals: files } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        layout: { type: 'string' },
        format: { type: 'string' },
        'sample-rate': { type: 'string' },
        'pad-ms': { type: 'string' },
        'max-clip-ms': { type: 'string' },
        'gap-ms': { type: 'string' },
        preset: { type: 'string' },
        'model-dir': { type: 'string' },
        threads: { type: 'string' },
        'max-channels': { type: 'string' },
        'max-duration-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      out.write(`${SPLIT_HELP}\n`);
      return 0;
    }
    if (files.length === 0) throw new UsageError('no input files');
    if (!values.out) throw new UsageError('--out DIR is required');
    const rate = values['sample-rate'];
    let options;
    let params;
    try {
      options = parseSpeechOptions({
        layout: values.layout as never,
        format: values.format as never,
        sampleRate: (rate === undefined || rate === 'source' ? rate : Number(rate)) as never,
        padMs: integerOption('pad-ms', values['pad-ms']),
        maxClipMs: integerOption('max-clip-ms', values['max-clip-ms']),
        gapMs: integerOption('gap-ms', values['gap-ms']),
      });
      params = parseVadParams(values.preset === undefined ? undefined : { preset: values.preset });
    } catch (e) {
      throw e instanceof UsageError ? e : new UsageError(toVadError(e).message);
    }
    const maxChannels = integerOption('max-channels', values['max-channels']);
    const maxDurationMs = integerOption('max-duration-ms', values['max-duration-ms']);
    const threads = integerOption('threads', values.threads) ?? 1;
    if (threads < 1 || threads > 64) throw new UsageError('--threads must be an integer from 1 to 64');

    const print = (line: object) => out.write(`${JSON.stringify(line)}\n`);
    try {
      vad = await Vad.create({ modelDir: values['model-dir'] ?? process.env.VAD_MODEL_DIR, threads, onWarning: (m) => err.write(`vadfleet: ${m}\n`) });
    } catch (e) {
      for (const file of files) print({ file, error: toVadError(e).toData() });
      return 1;
    }
    const store = new FileStore(values.out);
    const names = new Set<string>();
    let failed = 0;
    for (const file of files) {
      const name = uniqueName(file, names);
      const bar = err.isTTY ? new ProgressBar(err as never, file) : undefined;
      try {
        const detected = await vad.detect(file, { params, maxChannels, maxDurationMs, onProgress: bar && ((p) => bar.update({ ...p, audioMsDone: p.audioMsDone / 2, audioMsTotal: p.audioMsTotal })) });
        const speech = await exportSpeech({
          source: await toByteStream(file),
          channels: detected.channels,
          durationMs: detected.durationMs,
          options,
          store,
          base: name,
          maxChannels,
          maxDurationMs,
          onProgress: bar && ((ms) => bar.update({ audioMsDone: (detected.durationMs + ms) / 2, audioMsTotal: detected.durationMs })),
        });
        bar?.done();
        const manifest = join(values.out, `${name}.json`);
        const { timings: _timings, ...result } = detected;
        await writeFile(manifest, `${JSON.stringify({ file, ...result, speech })}\n`);
        print({ file, manifest });
      } catch (e) {
        bar?.done();
        failed++;
        const error = toVadError(e);
        if (error.code === 'INTERNAL') err.write(`vadfleet: ${file}: ${String((e as Error)?.stack ?? e)}\n`);
        print({ file, error: error.toData() });
      }
    }
    return failed > 0 ? 1 : 0;
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof TypeError)) throw e;
    err.write(`vadfleet split: ${e.message}\nRun \`vadfleet split --help\` for usage.\n`);
    return 2;
  } finally {
    await vad?.close();
  }
}

/** The file's name without extension; a second input with the same name gets -2, -3, …. */
function uniqueName(file: string, taken: Set<string>): string {
  const stem = basename(file, extname(file)) || 'audio';
  let name = stem;
  for (let i = 2; taken.has(name); i++) name = `${stem}-${i}`;
  taken.add(name);
  return name;
}

export async function runTimemapCli(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    out.write(`${TIMEMAP_HELP}\n`);
    return 0;
  }
  const [mapFile, ...times] = argv;
  const seconds = times.map(Number);
  if (!mapFile || times.length === 0 || seconds.some((s) => !Number.isFinite(s) || s < 0)) {
    err.write(`vadfleet timemap: expected MAP.json and one or more times in seconds ≥ 0\nRun \`vadfleet timemap --help\` for usage.\n`);
    return 2;
  }
  let map: TimeMapEntry[];
  try {
    map = JSON.parse(await readFile(mapFile, 'utf8'));
    if (!Array.isArray(map) || !map.every((e) => [e?.outStartMs, e?.srcStartMs, e?.durationMs].every((v) => typeof v === 'number' && Number.isFinite(v)))) {
      throw new Error('not a time map: expected [{outStartMs, srcStartMs, durationMs}, …]');
    }
  } catch (e) {
    err.write(`vadfleet timemap: ${mapFile}: ${(e as Error).message}\n`);
    return 1;
  }
  for (const [i, s] of seconds.entries()) {
    const { srcMs, inGap } = joinedToSource(map, s * 1000);
    out.write(`${times[i]}\t${Number((srcMs / 1000).toFixed(6))}${inGap ? '\tgap' : ''}\n`);
  }
  return 0;
}
