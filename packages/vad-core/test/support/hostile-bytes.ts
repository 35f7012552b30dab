/** Byte builders for hostile-input tests. */


/** MPEG-2.5 Layer III, 8 kbit/s, 8 kHz, mono, no CRC: 72 bytes for 576 samples (72 ms); zero side info decodes to silence. */
const TINY_FRAME_HEADER = [0xff, 0xe3, 0x18, 0xc4];
const TINY_FRAME_BYTES = 72;
const MONO_LSF_SIDE_INFO = 9;

/** `count` tiny MP3 frames; with `xingFrames`, the first carries a Xing header claiming that many frames. */
export function mpegFrameRun(count: number, opts: { xingFrames?: number } = {}): Uint8Array {
  const out = new Uint8Array(count * TINY_FRAME_BYTES);
  for (let i = 0; i < count; i++) out.set(TINY_FRAME_HEADER, i * TINY_FRAME_BYTES);
  if (opts.xingFrames !== undefined) {
    const at = 4 + MONO_LSF_SIDE_INFO;
    out.set([0x58, 0x69, 0x6e, 0x67, 0, 0, 0, 1], at); // 'Xing', frame count present
    new DataView(out.buffer).setUint32(at + 8, opts.xingFrames);
  }
  return out;
}
