/**
 * onnxruntime session for Silero VAD (silero-vad.md §4): `input` [B, context + window], `state` [2, B, 128],
 * scalar `sr` in; `output` [B, 1] = P(speech) and `stateN` out. The interface is checked when it opens.
 */
import type * as Ort from 'onnxruntime-node';
import { VadError } from '@vadfleet/shared/errors';
import type { ExecutionProvider, ProviderChoice } from '../../model/session.js';
import { openOrtSession } from '../../model/session.js';
import { STATE_SIZE, type SileroRate } from './windowing.js';

export interface SileroSession {
  readonly provider: ExecutionProvider;
  /**
   * One call for `rows` streams: `input` holds rows × (context + window) samples in [−1, 1), `state` the
   * rows' states ([2, rows, 128] flat), overwritten with the new ones; `probs[0..rows)` receives P(speech).
   */
  run(input: Float32Array, state: Float32Array, rows: number, rate: SileroRate, probs: Float32Array): Promise<void>;
  release(): Promise<void>;
}

export async function createSileroSession(modelPath: string, provider: ProviderChoice): Promise<SileroSession> {
  const { ort, session, provider: used } = await openOrtSession(modelPath, provider);
  const names = [...session.inputNames, '→', ...session.outputNames].join(',');
  if (names !== 'input,state,sr,→,output,stateN') {
    await session.release();
    throw new VadError('MODEL_INVALID', `${modelPath} is not Silero VAD's ONNX export (inputs/outputs ${names}).`);
  }
  return new OrtSileroSession(ort, session, used);
}

class OrtSileroSession implements SileroSession {
  private readonly rates: Record<SileroRate, Ort.Tensor>;

  constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly provider: ExecutionProvider,
  ) {
    this.rates = { 8000: new ort.Tensor('int64', BigInt64Array.of(8000n), []), 16000: new ort.Tensor('int64', BigInt64Array.of(16000n), []) };
  }

  async run(input: Float32Array, state: Float32Array, rows: number, rate: SileroRate, probs: Float32Array): Promise<void> {
    const width = input.length / rows;
    const feeds = {
      input: new this.ort.Tensor('float32', input, [rows, width]),
      state: new this.ort.Tensor('float32', state, [2, rows, STATE_SIZE]),
      sr: this.rates[rate],
    };
    const out = await this.session.run(feeds);
    probs.set(out.output.data as Float32Array);
    state.set(out.stateN.data as Float32Array);
    out.output.dispose();
    out.stateN.dispose();
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
