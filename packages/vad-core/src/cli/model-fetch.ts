/**
 * `npm run model:fetch [-- --dir DIR] [--base-url URL]`: downloads and verifies the FSMN-VAD model files.
 * Directory: --dir > VAD_MODEL_DIR > <repo>/models/fsmn-vad. Source: --base-url > VAD_MODEL_BASE_URL >
 * ModelScope. Progress goes to stderr; exit code 1 with `error CODE: message` on failure.
 */
import { parseArgs } from 'node:util';
import { toVadError } from '@vadfleet/shared/errors';
import { DEFAULT_MODEL_BASE_URL, type FetchProgress, fetchModel } from '../model/fetch-model.js';
import { resolveModelDir } from '../model/model-files.js';

const USAGE = `Usage: npm run model:fetch -- [--dir DIR] [--base-url URL]
  --dir DIR        target directory (default: $VAD_MODEL_DIR, else <repo>/models/fsmn-vad)
  --base-url URL   where the files are (default: $VAD_MODEL_BASE_URL, else ${DEFAULT_MODEL_BASE_URL})`;

async function main(): Promise<number> {
  let values: { dir?: string; 'base-url'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { dir: { type: 'string' }, 'base-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dir = resolveModelDir(values.dir, process.env.VAD_MODEL_DIR);
  const baseUrl = values['base-url'] || process.env.VAD_MODEL_BASE_URL || DEFAULT_MODEL_BASE_URL;
  process.stderr.write(`Fetching the FSMN-VAD model into ${dir} from ${baseUrl}\n`);
  try {
    await fetchModel({ dir, baseUrl, onProgress: reportProgress });
    process.stderr.write(`Model files ready in ${dir}\n`);
    return 0;
  } catch (err) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    const error = toVadError(err);
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return 1;
  }
}

/** One line per file; on a terminal the line is redrawn as bytes arrive. */
function reportProgress(p: FetchProgress): void {
  const size = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  if (p.state === 'present') {
    process.stderr.write(`  ${p.file}: present, hash verified\n`);
  } else if (p.state === 'done') {
    process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}  ${p.file}: ${size(p.receivedBytes)} downloaded, hash verified\n`);
  } else if (process.stderr.isTTY) {
    const percent = p.totalBytes ? ` ${Math.floor((100 * p.receivedBytes) / p.totalBytes)}%` : '';
    process.stderr.write(`\r\x1b[K  ${p.file}:${percent} ${size(p.receivedBytes)}${p.totalBytes ? ` of ${size(p.totalBytes)}` : ''}`);
  }
}

process.exitCode = await main();
