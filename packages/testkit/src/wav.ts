/** WAV format tags the fixtures use. */
export const WAV_FORMAT = { pcm: 1, alaw: 6, mulaw: 7 } as const;

export interface WavFormat {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

/** The canonical 44-byte header (a 16-byte fmt chunk, then `data`) for `dataBytes` of interleaved samples. */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const blockAlign = (format.channels * format.bitsPerSample) / 8;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(format.formatTag, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** A whole WAV file: the canonical header, then `data`. */
export function wavFile(format: WavFormat, data: Uint8Array): Buffer {
  return Buffer.concat([wavHeader(format, data.length), data]);
}

/** The `data` chunk of a RIFF WAV file, found by walking its chunks (others may come before or after it). */
export function wavData(bytes: Buffer): Buffer {
  for (let o = 12; o + 8 <= bytes.length; ) {
    const size = bytes.readUInt32LE(o + 4);
    if (bytes.toString('latin1', o, o + 4) === 'data') return bytes.subarray(o + 8, Math.min(bytes.length, o + 8 + size));
    o += 8 + size + (size & 1);
  }
  throw new Error('the WAV file has no data chunk');
}

/** The samples of a PCM16 WAV file, interleaved (a copy, aligned for Int16Array). */
export function wavPcm16(bytes: Buffer): Int16Array {
  const data = wavData(bytes);
  return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1)));
}
