/**
 * Finding and reading the FSMN-VAD model files (model.onnx or model_quant.onnx, am.mvn, config.yaml).
 * The ONNX graph itself is validated where it is opened (session.ts); this module checks presence,
 * reads the small text files and hashes the model once per process.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VadError } from '@vadfleet/shared/errors';
import { parsePostConfig, type PostConfig } from '@vadfleet/vad-postprocess';

export type ModelFileName = 'model.onnx' | 'model_quant.onnx' | 'am.mvn' | 'config.yaml';

/** SHA-256 of the files of ModelScope `iic/speech_fsmn_vad_zh-cn-16k-common-onnx` (the ones FunASR publishes). */
export const KNOWN_MODEL_SHA256: Readonly<Record<ModelFileName, string>> = {
  'model.onnx': '3b10ac401cf3e73290d3734c22ac328f485697008f183a54e2ae2cbef6a4a1e4',
  'model_quant.onnx': 'e545a8796ca1d961f8352e4106d2bbf1364168097f12557a58200989acbc7431',
  'am.mvn': 'df189fd5f4352df84a0fd464eeab4e450a5e645665d6b38f13c832492261a739',
  'config.yaml': 'db524c680b80b0ea0a617110f6a269019da9fe4db1c38500f7552aeb6fad08b4',
};

export const MODEL_FILE_NAMES = Object.keys(KNOWN_MODEL_SHA256) as ModelFileName[];

export const MODEL_FIX_HINT = 'run `npm run model:fetch` or set VAD_MODEL_DIR=/path/to/fsmn-vad';

/** This file sits at packages/vad-core/{src,dist}/model/, four levels below the repository root. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Model directory: explicit `--model-dir` > the `VAD_MODEL_DIR` value the caller passes in > `<repo>/models/fsmn-vad`. */
export function resolveModelDir(explicit?: string, env?: string): string {
  if (explicit) return resolve(explicit);
  if (env) return resolve(env);
  return join(REPO_ROOT, 'models', 'fsmn-vad');
}

export interface ModelFiles {
  dir: string;
  modelPath: string;
  quantized: boolean;
  /** SHA-256 (hex) of the ONNX file. */
  sha256: string;
  /** `fsmn-vad` or `fsmn-vad-int8` when the hash is a published one, else `custom:<file>@<first 12 hex of hash>`. */
  name: string;
  amMvnText: string;
  /** config.yaml, parsed once (its `sil_pdf_ids` name the posterior columns whose sum is P(silence)). */
  postConfig: PostConfig;
}

export async function loadModelFiles(dir: string, options: { quantized?: boolean } = {}): Promise<ModelFiles> {
  const quantized = options.quantized ?? false;
  const modelFile: ModelFileName = quantized ? 'model_quant.onnx' : 'model.onnx';
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) {
    throw new VadError('MODEL_NOT_FOUND', `The model directory ${dir} does not exist: ${MODEL_FIX_HINT}.`);
  }
  const missing: string[] = [];
  for (const file of [modelFile, 'am.mvn', 'config.yaml']) {
    const fileStat = await stat(join(dir, file)).catch(() => undefined);
    if (!fileStat?.isFile()) missing.push(file);
  }
  if (missing.length > 0) {
    throw new VadError('MODEL_NOT_FOUND', `${missing.join(', ')} missing in ${dir}: ${MODEL_FIX_HINT}.`);
  }

  const modelPath = join(dir, modelFile);
  const [sha256, amMvnText, configYamlText] = await Promise.all([
    fileSha256(modelPath),
    readFile(join(dir, 'am.mvn'), 'utf8'),
    readFile(join(dir, 'config.yaml'), 'utf8'),
  ]);
  const postConfig = parsePostConfig(configYamlText);
  const name = sha256 === KNOWN_MODEL_SHA256[modelFile] ? (quantized ? 'fsmn-vad-int8' : 'fsmn-vad') : `custom:${modelFile}@${sha256.slice(0, 12)}`;
  return { dir, modelPath, quantized, sha256, name, amMvnText, postConfig };
}

const hashCache = new Map<string, { mtimeMs: number; size: number; sha256: Promise<string> }>();

/** Streamed SHA-256 of a file, computed once per process for a given path, mtime and size. */
export async function fileSha256(path: string): Promise<string> {
  const { mtimeMs, size } = await stat(path);
  const cached = hashCache.get(path);
  if (cached && cached.mtimeMs === mtimeMs && cached.size === size) return cached.sha256;
  const sha256 = hashStream(path);
  hashCache.set(path, { mtimeMs, size, sha256 });
  sha256.catch(() => hashCache.delete(path));
  return sha256;
}

async function hashStream(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
