import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KNOWN_MODEL_SHA256, MODEL_FILE_NAMES, fileSha256, loadModelFiles, resolveModelDir } from './model-files.js';
import { TEST_DATA } from '@vadfleet/testkit/test-data';
import { MODEL_DIR } from '../testing/example-audio.js';

const scratch = mkdtempSync(join(tmpdir(), 'vad-model-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A writable copy of (some of) the model files, for breaking them. */
function modelCopy(name: string, files = MODEL_FILE_NAMES as string[]): string {
  const dir = join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const file of files) copyFileSync(join(MODEL_DIR, file), join(dir, file));
  return dir;
}

describe('resolveModelDir', () => {
  it('prefers the explicit directory, then the env value, then <repo>/models/fsmn-vad', () => {
    expect(resolveModelDir('/a/b', '/c')).toBe('/a/b');
    expect(resolveModelDir(undefined, '/c/d')).toBe('/c/d');
    expect(resolveModelDir('', '')).toBe(resolve(fileURLToPath(new URL('../../../../models/fsmn-vad', import.meta.url))));
  });
});

describe('loadModelFiles', () => {
  it('reads the shipped files, recognises their hashes and the silence class', async () => {
    const files = await loadModelFiles(MODEL_DIR);
    expect(files).toMatchObject({ modelPath: join(MODEL_DIR, 'model.onnx'), quantized: false, name: 'fsmn-vad', postConfig: expect.objectContaining({ silPdfIds: [0] }) });
    expect(files.sha256).toBe(KNOWN_MODEL_SHA256['model.onnx']);
    expect(files.amMvnText).toContain('<AddShift>');
    const quant = await loadModelFiles(MODEL_DIR, { quantized: true });
    expect(quant).toMatchObject({ modelPath: join(MODEL_DIR, 'model_quant.onnx'), name: 'fsmn-vad-int8', sha256: KNOWN_MODEL_SHA256['model_quant.onnx'] });
  });

  it('KNOWN_MODEL_SHA256 holds the hashes of the published files', () => {
    for (const file of MODEL_FILE_NAMES) {
      expect(createHash('sha256').update(readFileSync(join(MODEL_DIR, file))).digest('hex')).toBe(KNOWN_MODEL_SHA256[file]);
    }
  });

  it('a missing directory is MODEL_NOT_FOUND naming the directory and the fix', async () => {
    const dir = join(scratch, 'nowhere');
    const err = await loadModelFiles(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect((err as Error).message).toContain(dir);
    expect((err as Error).message).toContain('npm run model:fetch');
    expect((err as Error).message).toContain('VAD_MODEL_DIR=');
  });

  it('a missing file is MODEL_NOT_FOUND naming the file', async () => {
    const dir = modelCopy('no-mvn', ['model.onnx', 'config.yaml']);
    await expect(loadModelFiles(dir)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('am.mvn missing in') });
  });

  it('an unknown model gets a custom name; an unreadable config.yaml is MODEL_INVALID', async () => {
    const dir = modelCopy('custom');
    writeFileSync(join(dir, 'model.onnx'), readFileSync(join(MODEL_DIR, 'model.onnx')).subarray(0, 1000));
    const files = await loadModelFiles(dir);
    expect(files.name).toMatch(/^custom:model\.onnx@[0-9a-f]{12}$/);
    writeFileSync(join(dir, 'config.yaml'), 'vad_post_conf: [unclosed');
    await expect(loadModelFiles(dir)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});

describe('fileSha256', () => {
  it('hashes once per path, size and mtime, and again when the file changes', async () => {
    const path = join(scratch, 'hash-me');
    writeFileSync(path, 'abc');
    const first = await fileSha256(path);
    expect(first).toBe(createHash('sha256').update('abc').digest('hex'));
    writeFileSync(path, 'abcd');
    expect(await fileSha256(path)).toBe(createHash('sha256').update('abcd').digest('hex'));
  });
});

it("the tests' data manifest fetches exactly the published model files", () => {
  const manifest = Object.fromEntries(TEST_DATA.filter((f) => f.path.startsWith('models/fsmn-vad/')).map((f) => [f.path.slice('models/fsmn-vad/'.length), f.sha256]));
  expect(manifest).toEqual(KNOWN_MODEL_SHA256);
});
