/**
 * The test-data resolver and fetch against a real HTTP mirror on loopback serving the real files (found
 * by the same resolver for this run), with a scratch "clone" that has nothing beside it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATA, TestDataError, ensureTestData, testDataFile, testDataFolder } from './test-data.js';

const real = (path: string) => testDataFile(path);

/** Serves every manifest file at /<path>; `corrupt` paths with one byte flipped; others listed in `missing` 404. */
function startMirror(options: { corrupt?: string[]; missing?: string[] } = {}): Promise<Server & { requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').slice(1);
    requests.push(path);
    if (!TEST_DATA.some((f) => f.path === path) || options.missing?.includes(path)) return void res.writeHead(404).end();
    const body = readFileSync(real(path));
    if (options.corrupt?.includes(path)) body[body.length >> 1] ^= 1;
    // Closing after each answer, as Python's http.server does (Node 22's fetch crashed on that, undici#5360).
    res.writeHead(200, { 'content-length': body.length, connection: 'close' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(Object.assign(server, { requests }))));
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('test data', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'vadfleet-test-data-'));
  let n = 0;
  /** A "clone" alone in its own folder: no ../shared, no models/, no cache. */
  const lonelyClone = () => {
    const root = join(scratch, `parent-${++n}`, 'vadfleet');
    mkdirSync(root, { recursive: true });
    return root;
  };
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  beforeAll(async () => {
    mirror = await startMirror();
  });
  afterAll(async () => {
    await close(mirror);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('fetches every missing file once from the mirror into the cache, hash-checked, then finds them there', async () => {
    const repoRoot = lonelyClone();
    const env = { VADFLEET_TEST_DATA_URL: urlOf(mirror) };
    const before = mirror.requests.length;
    const first = await ensureTestData({ repoRoot, env });
    expect(first.downloaded).toEqual(TEST_DATA.map((f) => f.path).sort());
    const cache = join(repoRoot, '.cache', 'test-data');
    expect(testDataFolder('models/fsmn-vad', { repoRoot, env })).toBe(join(cache, 'models', 'fsmn-vad'));
    for (const file of TEST_DATA) expect(readFileSync(testDataFile(file.path, { repoRoot, env })).equals(readFileSync(real(file.path))), file.path).toBe(true);
    expect(readdirSync(join(cache, 'models', 'fsmn-vad')).sort()).toEqual(['am.mvn', 'config.yaml', 'model.onnx', 'model_quant.onnx']);

    expect(await ensureTestData({ repoRoot, env })).toEqual({ downloaded: [] });
    expect(mirror.requests.length - before).toBe(TEST_DATA.length);
  });

  it('keeps the good files of an interrupted fetch and downloads only the rest', async () => {
    const repoRoot = lonelyClone();
    const wav = join(repoRoot, '.cache', 'test-data', 'audio', 'vad_example.wav');
    mkdirSync(dirname(wav), { recursive: true });
    cpSync(real('audio/vad_example.wav'), wav);
    const { downloaded } = await ensureTestData({ repoRoot, env: { VADFLEET_TEST_DATA_URL: urlOf(mirror) } });
    expect(downloaded).not.toContain('audio/vad_example.wav');
    expect(downloaded).toHaveLength(TEST_DATA.length - 1);
  });

  it('a corrupt or missing file on the mirror is one error naming each, and nothing corrupt is kept', async () => {
    const bad = await startMirror({ corrupt: ['models/fsmn-vad/am.mvn'], missing: ['audio/vad_example.wav'] });
    const repoRoot = lonelyClone();
    const err = await ensureTestData({ repoRoot, env: { VADFLEET_TEST_DATA_URL: urlOf(bad) } }).catch((e: unknown) => e);
    await close(bad);
    expect(err).toBeInstanceOf(TestDataError);
    const message = (err as Error).message;
    expect(message).toMatch(/models\/fsmn-vad\/am\.mvn: .* served SHA-256 [0-9a-f]{64}, expected df189fd5/);
    expect(message).toMatch(/audio\/vad_example\.wav: .* answered HTTP 404/);
    expect(readdirSync(join(repoRoot, '.cache', 'test-data', 'models', 'fsmn-vad')).sort()).toEqual(['config.yaml', 'model.onnx', 'model_quant.onnx']);
  });

  it('offline: one message listing every file and every place to put it', async () => {
    const closed = await startMirror();
    const url = urlOf(closed);
    await close(closed);
    const repoRoot = lonelyClone();
    const err = await ensureTestData({ repoRoot, env: { VADFLEET_TEST_DATA_URL: url } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestDataError);
    const message = (err as Error).message;
    expect(message).toMatch(/^The tests need 5 files that are neither here nor downloadable:/);
    for (const file of TEST_DATA) expect(message).toContain(`${file.path}: cannot reach ${url}${file.path} (ECONNREFUSED)`);
    for (const place of [join(repoRoot, '..', 'shared', 'audio'), join(repoRoot, 'models', 'fsmn-vad'), join(repoRoot, '.cache', 'test-data', 'audio')]) expect(message).toContain(place);
    // vitest prints a failed global setup's stack: it is the message alone.
    expect((err as Error).stack).toBe(`TestDataError: ${message}`);
  });

  it('looks in the documented order: VAD_MODEL_DIR, VADFLEET_TEST_DATA, ../shared, models/, the cache', () => {
    const repoRoot = lonelyClone();
    const put = (root: string, paths: string[]) => {
      for (const path of paths) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        cpSync(real(path), join(root, path));
      }
    };
    const model = TEST_DATA.filter((f) => f.path.startsWith('models/fsmn-vad/')).map((f) => f.path);
    const where = (env: Record<string, string> = {}) => testDataFolder('models/fsmn-vad', { repoRoot, env });

    put(join(repoRoot, '.cache', 'test-data'), model);
    expect(where()).toBe(join(repoRoot, '.cache', 'test-data', 'models', 'fsmn-vad'));
    put(repoRoot, model);
    expect(where()).toBe(join(repoRoot, 'models', 'fsmn-vad'));
    const shared = join(repoRoot, '..', 'shared');
    put(shared, model.slice(1)); // incomplete: skipped
    expect(where()).toBe(join(repoRoot, 'models', 'fsmn-vad'));
    put(shared, model);
    expect(where()).toBe(join(shared, 'models', 'fsmn-vad'));
    const own = join(scratch, `own-${n}`);
    put(own, model);
    expect(where({ VADFLEET_TEST_DATA: own })).toBe(join(own, 'models', 'fsmn-vad'));
    const explicit = join(shared, 'models', 'fsmn-vad');
    expect(where({ VADFLEET_TEST_DATA: own, VAD_MODEL_DIR: explicit })).toBe(explicit);
  });

  it('a wrong file where it is found, or an explicit VAD_MODEL_DIR without the files, is reported, not fetched around', async () => {
    const repoRoot = lonelyClone();
    const shared = join(repoRoot, '..', 'shared');
    for (const file of TEST_DATA) {
      mkdirSync(dirname(join(shared, file.path)), { recursive: true });
      cpSync(real(file.path), join(shared, file.path));
    }
    writeFileSync(join(shared, 'models', 'fsmn-vad', 'config.yaml'), 'not the config\n');
    const empty = join(repoRoot, 'no-model-here');
    const err = await ensureTestData({ repoRoot, env: { VADFLEET_TEST_DATA_URL: urlOf(mirror) } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/models\/fsmn-vad\/config\.yaml: .*shared\/models\/fsmn-vad\/config\.yaml \(\.\.\/shared beside the clone\) has SHA-256 [0-9a-f]{64}, expected db524c68/);
    const explicit = await ensureTestData({ repoRoot, env: { VAD_MODEL_DIR: empty, VADFLEET_TEST_DATA_URL: urlOf(mirror) } }).catch((e: unknown) => e);
    expect((explicit as Error).message).toContain(`models/fsmn-vad/model.onnx: not in ${empty} (VAD_MODEL_DIR)`);
    expect((explicit as Error).message).toMatch(/^The tests need 4 files/);
  });
});
