import { parseMpegFrameHeader } from './detect-format.js';

/** How a container's self-delimiting units (MPEG frames, Ogg pages) are measured from their headers. */
interface UnitFormat {
  /** Header bytes needed, given the `filled` bytes collected so far (may grow as they arrive). */
  headerBytes(header: Uint8Array, filled: number): number;
  /** Bytes after the complete header, or null when it is not a header (tags, junk: stop following). */
  bodyBytes(header: Uint8Array, headerBytes: number): number | null;
}

/**
 * Follows unit lengths over the bytes fed to a decoder, which drops an incomplete last unit silently:
 * tells whether the stream ended inside one (cut mid-frame). Constant memory, no copies of the body.
 */
export class UnitTracker {
  private readonly header: Uint8Array;
  private filled = 0;
  private remaining = 0;
  private lost = false;

  private constructor(private readonly format: UnitFormat, maxHeaderBytes: number) {
    this.header = new Uint8Array(maxHeaderBytes);
  }

  /** MPEG audio frames (length from each frame header). */
  static mpeg(): UnitTracker {
    return new UnitTracker({ headerBytes: () => 4, bodyBytes: (h) => { const f = parseMpegFrameHeader(h, 0); return f ? f.frameBytes - 4 : null; } }, 4);
  }

  /** Ogg pages (27-byte header, segment table, then the segments). */
  static ogg(): UnitTracker {
    return new UnitTracker(
      {
        headerBytes: (h, filled) => (filled < 27 ? 27 : 27 + h[26]),
        bodyBytes: (h, n) => {
          if (h[0] !== 0x4f || h[1] !== 0x67 || h[2] !== 0x67 || h[3] !== 0x53) return null; // 'OggS'
          let body = 0;
          for (let i = 27; i < n; i++) body += h[i];
          return body;
        },
      },
      27 + 255,
    );
  }

  feed(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length && !this.lost; ) {
      if (this.remaining > 0) {
        const k = Math.min(this.remaining, bytes.length - i);
        this.remaining -= k;
        i += k;
        continue;
      }
      const need = this.format.headerBytes(this.header, this.filled);
      const k = Math.min(need - this.filled, bytes.length - i);
      this.header.set(bytes.subarray(i, i + k), this.filled);
      this.filled += k;
      i += k;
      const complete = this.format.headerBytes(this.header, this.filled);
      if (this.filled < complete) continue;
      const body = this.format.bodyBytes(this.header, complete);
      if (body === null) this.lost = true;
      else this.remaining = body;
      this.filled = 0;
    }
  }

  /** Whether the bytes so far end inside a unit (its header or body), as far as they could be followed. */
  get endedInsideUnit(): boolean {
    return !this.lost && (this.remaining > 0 || this.filled > 0);
  }
}
