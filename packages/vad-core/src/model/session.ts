/**
 * The one wrapper around onnxruntime-node (the only file that imports it, lazily, so processes that never
 * run the model never load the native library). A session runs the FSMN-VAD streaming export (spec §6.1)
 * with zero caches and returns P(silence) per frame (spec §7 step 1).
 */
import type * as Ort from 'onnxruntime-node';
import { VadError } from '@vadfleet/shared/errors';
import { MODEL_FIX_HINT } from './model-files.js';

export type ProviderChoice = 'cpu' | 'cuda' | 'auto';
export type ExecutionProvider = 'cpu' | 'cuda';

export const FEATURE_DIM = 400;
export const CLASS_COUNT = 248;
const CACHE_SHAPE = [1, 128, 19, 1] as const;
const CACHE_NAMES = ['in_cache0', 'in_cache1', 'in_cache2', 'in_cache3'] as const;

export const CUDA_FIX_HINT =
  'install the CUDA provider of onnxruntime-node with `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` (CUDA 12 and cuDNN 9 must be installed; see the README), or use provider cpu';

/** Execution providers to try, in order, each on its own (a session with an unloadable provider fails as a whole). */
export function executionProvidersFor(provider: ProviderChoice): ExecutionProvider[] {
  switch (provider) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return ['cuda'];
    case 'auto':
      return ['cuda', 'cpu'];
  }
}

export interface SessionOptions {
  modelPath: string;
  provider: ProviderChoice;
  /** onnxruntime's intra-op threads; the pool runs one session per worker thread with 1. */
  intraOpThreads?: number;
  /** Posterior columns summed into P(silence); default [0]. */
  silPdfIds?: readonly number[];
  /** Called once when `auto` falls back from CUDA to CPU (the library does not log). */
  onWarning?: (message: string) => void;
}

export interface VadSession {
  /** The provider actually in use. */
  readonly provider: ExecutionProvider;
  /**
   * Runs frames × 400 features (row-major; may be a view) with zero caches and returns a new array of
   * P(silence) per frame. onnxruntime-node computes synchronously on the calling thread despite the promise.
   */
  run(features: Float32Array, frames: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Switches off onnxruntime's telemetry (unless the environment already says otherwise), before the first
 * session. With it on, creating the process's ORT environment parses /proc/self/cmdline with a recursive
 * regex needing ~300 bytes of stack per character: on an inference thread (4 MB of stack) about 14 KB of
 * arguments, `vadfleet detect` with ~700 file names, overflowed it (SIGSEGV). ORT reads the C environment,
 * which only the main thread can change (a worker's process.env is its own copy): the pool calls this.
 */
export function disableOrtTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}

let ortModule: Promise<typeof Ort> | undefined;

function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-node').then((ort) => {
    // Errors reach callers as exceptions; onnxruntime's own stderr log (e.g. a failed CUDA load under
    // `auto`) would only be noise.
    ort.env.logLevel = 'fatal';
    return ort;
  });
  return ortModule;
}

export async function createSession(options: SessionOptions): Promise<VadSession> {
  const silPdfIds = options.silPdfIds ?? [0];
  if (silPdfIds.length === 0 || silPdfIds.some((id) => !Number.isInteger(id) || id < 0 || id >= CLASS_COUNT)) {
    throw new VadError('MODEL_INVALID', `sil_pdf_ids [${silPdfIds.join(', ')}] must name classes 0..${CLASS_COUNT - 1}: ${MODEL_FIX_HINT}.`);
  }
  const { ort, session, provider } = await openOrtSession(options.modelPath, options.provider, { intraOpThreads: options.intraOpThreads, onWarning: options.onWarning });
  try {
    checkInterface(session, options.modelPath);
  } catch (err) {
    await session.release();
    throw err;
  }
  return new OrtVadSession(ort, session, provider, silPdfIds);
}

/**
 * An onnxruntime session on the first provider of `choice` that loads (auto: CUDA, else CPU, said once
 * through onWarning); unloadable models are MODEL_INVALID, an unloadable CUDA provider PROVIDER_UNAVAILABLE.
 * Shared by every model.
 */
export async function openOrtSession(
  modelPath: string,
  choice: ProviderChoice,
  options: { intraOpThreads?: number; onWarning?: (message: string) => void } = {},
): Promise<{ ort: typeof Ort; session: Ort.InferenceSession; provider: ExecutionProvider }> {
  const ort = await loadOrt();
  const attempts = executionProvidersFor(choice);
  let lastError: VadError | undefined;
  for (const provider of attempts) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        // Set both explicitly: onnxruntime otherwise sizes its pools from the host's core count.
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      if (provider !== attempts[0]) options.onWarning?.(`CUDA is unavailable (${lastError?.message}); running the model on the CPU.`);
      return { ort, session, provider };
    } catch (err) {
      lastError = classifyCreateError(err, provider, modelPath);
      if (lastError.code === 'PROVIDER_UNAVAILABLE' && provider !== attempts[attempts.length - 1]) continue;
      throw lastError;
    }
  }
  throw lastError ?? new VadError('INTERNAL', 'No execution provider to try.');
}

function classifyCreateError(err: unknown, provider: ExecutionProvider, modelPath: string): VadError {
  const message = err instanceof Error ? err.message : String(err);
  if (/protobuf|load model|ModelProto|invalid model|no such file/i.test(message)) {
    return new VadError('MODEL_INVALID', `${modelPath} cannot be loaded as an ONNX model (${message}): ${MODEL_FIX_HINT}.`, { cause: err });
  }
  if (provider === 'cuda') {
    return new VadError('PROVIDER_UNAVAILABLE', `The CUDA execution provider cannot be loaded (${message}): ${CUDA_FIX_HINT}.`, { cause: err });
  }
  return new VadError('MODEL_INVALID', `onnxruntime cannot open ${modelPath} (${message}): ${MODEL_FIX_HINT}.`, { cause: err });
}

/** The session must be FunASR's streaming export: speech [1,T,400] + four caches in, logits [1,T,248] out. */
function checkInterface(session: Ort.InferenceSession, modelPath: string): void {
  const problems: string[] = [];
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  const expectShape = (where: Map<string, Ort.InferenceSession.ValueMetadata>, name: string, shape: readonly (number | null)[]) => {
    const meta = where.get(name);
    if (!meta) return problems.push(`no ${where === inputs ? 'input' : 'output'} "${name}"`);
    if (!meta.isTensor || meta.type !== 'float32') return problems.push(`"${name}" is not a float32 tensor`);
    const ok = meta.shape.length === shape.length && shape.every((d, i) => d === null || meta.shape[i] === d);
    if (!ok) problems.push(`"${name}" has shape [${meta.shape.join(',')}], expected [${shape.map((d) => d ?? 'T').join(',')}]`);
  };
  expectShape(inputs, 'speech', [1, null, FEATURE_DIM]);
  for (const name of CACHE_NAMES) expectShape(inputs, name, CACHE_SHAPE);
  expectShape(outputs, 'logits', [1, null, CLASS_COUNT]);
  if (problems.length > 0) {
    throw new VadError('MODEL_INVALID', `${modelPath} is not the FSMN-VAD streaming export (${problems.join('; ')}): ${MODEL_FIX_HINT}.`);
  }
}

class OrtVadSession implements VadSession {
  /** Inputs are never written by onnxruntime, so one set of zero caches serves every call. */
  private readonly zeroCaches: Record<string, Ort.Tensor>;

  constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly provider: ExecutionProvider,
    private readonly silPdfIds: readonly number[],
  ) {
    const zeros = new Float32Array(CACHE_SHAPE[1] * CACHE_SHAPE[2]);
    this.zeroCaches = Object.fromEntries(CACHE_NAMES.map((name) => [name, new ort.Tensor('float32', zeros, [...CACHE_SHAPE])]));
  }

  async run(features: Float32Array, frames: number): Promise<Float32Array> {
    if (!(frames >= 1) || features.length !== frames * FEATURE_DIM) {
      throw new VadError('INTERNAL', `Model input has ${features.length} values, expected ${frames} frames × ${FEATURE_DIM}.`);
    }
    const speech = new this.ort.Tensor('float32', features, [1, frames, FEATURE_DIM]);
    const output = await this.session.run({ speech, ...this.zeroCaches }, ['logits']);
    const posteriors = output.logits.data as Float32Array;
    const silence = new Float32Array(frames);
    const ids = this.silPdfIds;
    // `logits` already holds softmax posteriors (spec §6.1): sum the silence columns, no softmax.
    if (ids.length === 1) {
      const id = ids[0];
      for (let t = 0; t < frames; t++) silence[t] = posteriors[t * CLASS_COUNT + id];
    } else {
      for (let t = 0; t < frames; t++) {
        let p = 0;
        for (let k = 0; k < ids.length; k++) p += posteriors[t * CLASS_COUNT + ids[k]];
        silence[t] = p;
      }
    }
    output.logits.dispose();
    return silence;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
