import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchProgress, fetchModel } from './fetch-model.js';
import { MODEL_FILE_NAMES } from './model-files.js';
import { MODEL_DIR } from '../testing/example-audio.js';

// The built CLI (tests run after the build, as `npm test` does).
const CLI = fileURLToPath(new URL('../../dist/cli/model-fetch.js', import.meta.url));

/** Serves the model files under /good/, with one flipped byte in am.mvn under /corrupt/; anything else is 404. */
function startMirror(): Promise<Server> {
  const server = createServer((req, res) => {
    const [, variant, file] = (req.url ?? '').split('/');
    if ((variant !== 'good' && variant !== 'corrupt') || !(MODEL_FILE_NAMES as string[]).includes(file)) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(join(MODEL_DIR, file));
    if (variant === 'corrupt' && file === 'am.mvn') body[100] ^= 1;
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('fetchModel', () => {
  let server: Server;
  let base: string;
  const scratch = mkdtempSync(join(tmpdir(), 'vad-fetch-'));
  beforeAll(async () => {
    server = await startMirror();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('downloads and verifies every file, then skips files already present', async () => {
    const dir = join(scratch, 'happy', 'fsmn-vad');
    const progress: FetchProgress[] = [];
    const first = await fetchModel({ baseUrl: `${base}/good`, dir, onProgress: (p) => progress.push(p) });
    expect(first).toEqual({ downloaded: MODEL_FILE_NAMES, present: [] });
    for (const file of MODEL_FILE_NAMES) expect(readFileSync(join(dir, file)).equals(readFileSync(join(MODEL_DIR, file)))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([...MODEL_FILE_NAMES].sort());
    expect(progress.filter((p) => p.state === 'done').map((p) => p.file)).toEqual(MODEL_FILE_NAMES);
    expect(progress.find((p) => p.state === 'downloading')?.totalBytes).toBeGreaterThan(0);
    expect(await fetchModel({ baseUrl: `${base}/good/`, dir })).toEqual({ downloaded: [], present: MODEL_FILE_NAMES });
  });

  it('a corrupted file is MODEL_INVALID and leaves nothing behind', async () => {
    const dir = join(scratch, 'corrupt');
    const err = await fetchModel({ baseUrl: `${base}/corrupt/`, dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_INVALID', message: expect.stringContaining('am.mvn') });
    expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'model_quant.onnx']);
  });

  it('an HTTP 404 is MODEL_NOT_FOUND naming the status and the URL setting', async () => {
    const err = await fetchModel({ baseUrl: `${base}/missing/`, dir: join(scratch, 'missing') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/HTTP 404.*--base-url/) });
  });

  it('an unreachable server says so and how to install the files by hand', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const dir = join(scratch, 'offline');
    const err = await fetchModel({ baseUrl: `http://127.0.0.1:${port}/`, dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringMatching(/^Cannot reach .*set VAD_MODEL_DIR/) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the CLI exits 0 when done and 1 with `error CODE: message` when not', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, VAD_MODEL_DIR: join(scratch, 'cli-env') } }).then(
        (r) => ({ code: 0, stderr: r.stderr }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    const ok = await run(['--base-url', `${base}/good/`]);
    expect(ok.code).toBe(0);
    expect(readdirSync(join(scratch, 'cli-env')).sort()).toEqual([...MODEL_FILE_NAMES].sort());
    const bad = await run(['--base-url', `${base}/missing/`, '--dir', join(scratch, 'cli-dir')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error MODEL_NOT_FOUND: .*HTTP 404/m);
  });
});
