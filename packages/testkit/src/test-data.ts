/**
 * The files the tests need but the repository does not hold (model weights, recordings), found in one
 * documented order and fetched once, with SHA-256 checks, when they are nowhere:
 *
 * 1. `VAD_MODEL_DIR`, when set, is the only place for `models/fsmn-vad/`;
 *    `VADFLEET_TEST_DATA`, when set, is a folder laid out like `shared/` (`models/…`, `audio/…`);
 * 2. `../shared` beside the clone;
 * 3. the clone's git-ignored `models/` (what `npm run model:fetch` fills), for `models/…` only;
 * 4. the clone's git-ignored cache `.cache/test-data/`, where missing files are downloaded: from each
 *    file's published URL, or from `VADFLEET_TEST_DATA_URL` + its path (a mirror laid out like `shared/`).
 *
 * A folder (`models/fsmn-vad`, `audio`) is taken from the first place that holds all of its manifest
 * files. `ensureTestData` runs once per test run (the root vitest globalSetup); the tests then read the
 * paths with the synchronous `testDataFolder`/`testDataFile`.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { DownloadError, downloadVerified, sha256OfFile } from '@vadfleet/shared/verified-download';
import { repoRoot as defaultRepoRoot } from './spawn-app.js';

/** One file: its path under a test-data root (as in `shared/`), where it is published, its SHA-256. */
export interface TestDataFile {
  path: string;
  url: string;
  sha256: string;
}

const FSMN_VAD_URL = 'https://www.modelscope.cn/models/iic/speech_fsmn_vad_zh-cn-16k-common-onnx/resolve/master/';

/**
 * What `npm test` needs. Another model's weights or clips are more entries (their folder is resolved
 * the same way); the hashes of fsmn-vad are vad-core's KNOWN_MODEL_SHA256 (a vad-core test checks it).
 */
export const TEST_DATA: readonly TestDataFile[] = [
  { path: 'models/fsmn-vad/model.onnx', url: `${FSMN_VAD_URL}model.onnx`, sha256: '3b10ac401cf3e73290d3734c22ac328f485697008f183a54e2ae2cbef6a4a1e4' },
  { path: 'models/fsmn-vad/model_quant.onnx', url: `${FSMN_VAD_URL}model_quant.onnx`, sha256: 'e545a8796ca1d961f8352e4106d2bbf1364168097f12557a58200989acbc7431' },
  { path: 'models/fsmn-vad/am.mvn', url: `${FSMN_VAD_URL}am.mvn`, sha256: 'df189fd5f4352df84a0fd464eeab4e450a5e645665d6b38f13c832492261a739' },
  { path: 'models/fsmn-vad/config.yaml', url: `${FSMN_VAD_URL}config.yaml`, sha256: 'db524c680b80b0ea0a617110f6a269019da9fe4db1c38500f7552aeb6fad08b4' },
  // FunASR's example recording, as linked from the model card (70.5 s, 16 kHz mono PCM16).
  { path: 'audio/vad_example.wav', url: 'https://isv-data.oss-cn-hangzhou.aliyuncs.com/ics/MaaS/ASR/test_audio/vad_example.wav', sha256: 'a7431f0169ef76ef630c945a1d2c3675d8c8c2df2ae4a6b16f8a88ba1bccfbbb' },
];

export interface TestDataOptions {
  /** Default: this clone. */
  repoRoot?: string;
  /** Default: process.env (VAD_MODEL_DIR, VADFLEET_TEST_DATA, VADFLEET_TEST_DATA_URL). */
  env?: Record<string, string | undefined>;
  files?: readonly TestDataFile[];
}

interface Place {
  dir: string;
  /** How the message names it. */
  label: string;
  /** An explicit setting: the folder comes from here or nowhere. */
  only?: boolean;
}

const folderOf = (file: TestDataFile): string => posix.dirname(file.path);
const cacheRoot = (repoRoot: string): string => join(repoRoot, '.cache', 'test-data');

function settings(options: TestDataOptions) {
  const env = options.env ?? process.env;
  const repoRoot = resolve(options.repoRoot ?? defaultRepoRoot);
  return { env, repoRoot, files: options.files ?? TEST_DATA };
}

/** Where `folder` may come from, in order. */
function places(folder: string, options: TestDataOptions): Place[] {
  const { env, repoRoot } = settings(options);
  if (folder === 'models/fsmn-vad' && env.VAD_MODEL_DIR) return [{ dir: resolve(env.VAD_MODEL_DIR), label: 'VAD_MODEL_DIR', only: true }];
  const roots: Place[] = [];
  if (env.VADFLEET_TEST_DATA) roots.push({ dir: resolve(env.VADFLEET_TEST_DATA), label: 'VADFLEET_TEST_DATA' });
  roots.push({ dir: join(repoRoot, '..', 'shared'), label: '../shared beside the clone' });
  if (folder.startsWith('models/')) roots.push({ dir: repoRoot, label: "the clone's models/ (npm run model:fetch)" });
  roots.push({ dir: cacheRoot(repoRoot), label: 'the test-data cache' });
  return roots.map((root) => ({ ...root, dir: join(root.dir, folder) }));
}

const filesIn = (folder: string, files: readonly TestDataFile[]) => files.filter((f) => folderOf(f) === folder);
const nameOf = (file: TestDataFile) => posix.basename(file.path);
const holdsAll = (dir: string, files: readonly TestDataFile[]) => files.every((f) => existsSync(join(dir, nameOf(f))));

/** The directory holding `folder` (e.g. `models/fsmn-vad`), by the order above; no hashing. */
export function testDataFolder(folder: string, options: TestDataOptions = {}): string {
  const files = filesIn(folder, settings(options).files);
  if (files.length === 0) throw new Error(`no test-data manifest entry under ${folder}/`);
  const found = places(folder, options).find((place) => holdsAll(place.dir, files));
  if (!found) throw new Error(`test data ${folder}/ not found: run the tests through the root vitest config (npm test), whose global setup fetches it`);
  return found.dir;
}

/** The path of one manifest file, e.g. `audio/vad_example.wav`. */
export function testDataFile(path: string, options: TestDataOptions = {}): string {
  return join(testDataFolder(posix.dirname(path), options), posix.basename(path));
}

/** The FSMN-VAD model directory the tests use. */
export const fsmnModelDir = (options?: TestDataOptions): string => testDataFolder('models/fsmn-vad', options);
/** FunASR's example recording, which the golden tests compare against. */
export const exampleWavPath = (options?: TestDataOptions): string => testDataFile('audio/vad_example.wav', options);

export class TestDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TestDataError';
    // The message is the whole story (vitest prints the stack of a failed global setup).
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * Makes every manifest folder available: verifies the hashes where it is found, downloads what is in
 * none of the places into the cache (files already there with the right hash are kept), and throws one
 * TestDataError naming every file that is still missing or wrong, and where to put it.
 */
export async function ensureTestData(options: TestDataOptions = {}): Promise<{ downloaded: string[] }> {
  const { env, repoRoot, files } = settings(options);
  const problems: string[] = [];
  const downloaded: string[] = [];
  const folders = [...new Set(files.map(folderOf))];
  await Promise.all(
    folders.map(async (folder) => {
      const wanted = filesIn(folder, files);
      const candidates = places(folder, options);
      const found = candidates.find((place) => holdsAll(place.dir, wanted));
      if (found) {
        for (const file of wanted) {
          const actual = await sha256OfFile(join(found.dir, nameOf(file)));
          if (actual !== file.sha256) problems.push(`${file.path}: ${join(found.dir, nameOf(file))} (${found.label}) has SHA-256 ${actual}, expected ${file.sha256}`);
        }
        return;
      }
      if (candidates[0]?.only) {
        for (const file of wanted) if (!existsSync(join(candidates[0].dir, nameOf(file)))) problems.push(`${file.path}: not in ${candidates[0].dir} (${candidates[0].label})`);
        return;
      }
      const cacheDir = join(cacheRoot(repoRoot), folder);
      await mkdir(cacheDir, { recursive: true });
      await Promise.all(
        wanted.map(async (file) => {
          const target = join(cacheDir, nameOf(file));
          if ((await sha256OfFile(target)) === file.sha256) return;
          const url = env.VADFLEET_TEST_DATA_URL ? new URL(file.path, env.VADFLEET_TEST_DATA_URL.replace(/\/?$/, '/')).href : file.url;
          try {
            await downloadVerified(url, file.sha256, target, { headersTimeoutMs: 20_000 });
            downloaded.push(file.path);
          } catch (err) {
            if (!(err instanceof DownloadError)) throw err;
            problems.push(`${file.path}: ${err.message}`);
          }
        }),
      );
    }),
  );
  if (problems.length > 0) throw new TestDataError(explain(problems.sort(), folders, options));
  return { downloaded: downloaded.sort() };
}

function explain(problems: string[], folders: string[], options: TestDataOptions): string {
  const { repoRoot } = settings(options);
  const where = folders.flatMap((folder) => places(folder, options).map((place) => `  ${place.dir}/  (${place.label})`));
  return [
    `The tests need ${problems.length === 1 ? 'a file' : `${problems.length} files`} that ${problems.length === 1 ? 'is' : 'are'} neither here nor downloadable:`,
    ...problems.map((p) => `  ${p}`),
    'Copy them (the files of shared/ on another machine) into one of these folders, first match wins:',
    ...new Set(where),
    `or set VADFLEET_TEST_DATA to a folder laid out like shared/ (models/fsmn-vad/…, audio/…), VAD_MODEL_DIR to the`,
    `model's folder, or VADFLEET_TEST_DATA_URL to a mirror with that layout. Downloads go to ${dirname(join(cacheRoot(repoRoot), 'x'))}/.`,
  ].join('\n');
}
