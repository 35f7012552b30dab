import { VadError } from '@vadfleet/shared/errors';

/** Per-dimension CMVN of the 400-dim LFR vector: y = (x + shift) · scale (spec §5.2). Float64, as FunASR's Python runtime. */
export interface Cmvn {
  shift: Float64Array;
  scale: Float64Array;
}

export const LFR_DIM = 400;

/** Parses a Kaldi nnet1 `am.mvn` (`<AddShift>` and `<Rescale>` vectors on the line after each tag). */
export function parseCmvn(amMvnText: string): Cmvn {
  const lines = amMvnText.split(/\r?\n/);
  const vectorAfter = (tag: string): Float64Array => {
    const i = lines.findIndex((l) => l.trimStart().startsWith(tag));
    const body = i >= 0 ? /\[([^\]]*)\]/.exec(lines[i + 1] ?? '') : null;
    const values = body ? body[1].trim().split(/\s+/).map(Number) : [];
    if (values.length !== LFR_DIM || values.some((v) => !Number.isFinite(v))) {
      throw new VadError('MODEL_INVALID', `am.mvn has no valid ${tag} vector of ${LFR_DIM} numbers; run \`npm run model:fetch\` to restore the model files.`);
    }
    return Float64Array.from(values);
  };
  return { shift: vectorAfter('<AddShift>'), scale: vectorAfter('<Rescale>') };
}
