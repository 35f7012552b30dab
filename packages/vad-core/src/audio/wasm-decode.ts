import { VadError } from '@vadfleet/shared/errors';
import type { ByteSource } from './byte-source.js';
import type { ChannelScaler } from './channel-scaler.js';

/** What one decode or flush call of the WASM decoders (libFLAC, mpg123, libopus) returns. */
interface DecodedChunk {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
}

/** The shape the three WASM decoder packages share. */
export interface WasmDecoder {
  ready: Promise<void>;
  decode(bytes: Uint8Array): DecodedChunk | Promise<DecodedChunk>;
  flush?(): DecodedChunk | Promise<DecodedChunk>;
  free(): void;
}

export interface WasmDecodeOptions {
  /** The format's name in error messages ("FLAC"). */
  format: string;
  /** Input bytes per decode call: small, so that one call cannot decode into unbounded audio. */
  sliceBytes: number;
  scaler: ChannelScaler;
  /** Flush after the last slice (decoders that hold back the last frame until told the input ended). */
  flush?: boolean;
  /** Hand each decode call its own copy of the slice (decoders that keep a reference to it). */
  copySlices?: boolean;
  /** Every chunk's rate must be this; `rateChanged` words the error. */
  sampleRate?: number;
  rateChanged?: (rate: number) => string;
  /** INVALID_AUDIO message when the whole input decodes to nothing. */
  nothingDecoded: string;
  /** Sees every slice read (frame and page trackers that tell whether the input ended mid-unit). */
  onSlice?: (slice: Uint8Array) => void;
}

/**
 * The decode loop of every WASM decoder: the input in small slices, each call's output checked and
 * scaled to int16 scale, nothing decoded → INVALID_AUDIO, the decoder freed however the loop ends.
 * `open` is called on the first `next()` (it loads the WASM module).
 */
export async function* decodeWithWasm(src: ByteSource, open: () => Promise<WasmDecoder>, options: WasmDecodeOptions): AsyncGenerator<Float32Array[], void, undefined> {
  const { format } = options;
  const decoder = await open();
  const flush = options.flush ? () => decoder.flush!() : undefined;
  try {
    await decoder.ready;
    let decodedAny = false;
    for (;;) {
      const slice = await src.readSome(options.sliceBytes);
      const ended = slice.length === 0;
      options.onSlice?.(slice);
      if (ended && !flush) break;
      const out = await decoderCall(format, async () => (ended ? await flush!() : await decoder.decode(options.copySlices ? slice.slice() : slice)));
      if (out.samplesDecoded > 0) {
        if (options.sampleRate !== undefined && out.sampleRate !== options.sampleRate) throw new VadError('INVALID_AUDIO', options.rateChanged!(out.sampleRate));
        decodedAny = true;
        yield options.scaler.scale(out.channelData, out.samplesDecoded);
      }
      if (ended) break;
    }
    if (!decodedAny) throw new VadError('INVALID_AUDIO', options.nothingDecoded);
  } finally {
    decoder.free();
  }
}

/** Runs a WASM decoder call; anything it throws on hostile input becomes INVALID_AUDIO. */
export async function decoderCall<T>(format: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof VadError) throw err;
    throw new VadError('INVALID_AUDIO', `${format}: the decoder rejected the data (${(err as Error)?.message ?? String(err)})`, { cause: err });
  }
}
