import { VadError, type WarningData } from '@vadfleet/shared/errors';
import type { AudioStream, OpenAudioOptions } from '../types.js';
import { assertHeaderLimits, assertSampleRate } from './audio-limits.js';
import { ByteSource } from './byte-source.js';
import type { DecodedAudio } from './decoded-audio.js';
import { DETECT_BYTES, detectFormat, findMpegFrame, id3TagLength } from './detect-format.js';
import { openFfmpeg } from './open-ffmpeg.js';
import { openFlac } from './open-flac.js';
import { openMp3 } from './open-mp3.js';
import { openOggOpus } from './open-ogg-opus.js';
import { openWav } from './open-wav.js';
import { blockRate, toSampleBlocks } from './sample-blocks.js';

/** Enough for every container signature and the FLAC STREAMINFO / OpusHead that follow it. */
const HEADER_PROBE_BYTES = 64;

const SUPPORTED_FORMATS =
  'supported formats are WAV/RF64 (PCM 8/16/24/32-bit, float 32/64-bit, A-law, μ-law), MP3, FLAC and Ogg Opus, ' +
  'plus M4A/AAC/WebM/AIFF and other media when ffmpeg is installed';

/**
 * Opens an audio byte stream: detects the format from its bytes, reads the header and checks it against
 * the limits (errors are thrown here, before any decoding), then returns per-channel 16 kHz blocks in
 * int16 scale (or at `opts.outputRate`, through the same resampler). The consumer must iterate `blocks` to the end or stop it (`break`/`return()`): that is
 * what releases the source, the decoder and any ffmpeg process.
 */
export async function openAudio(source: AsyncIterable<Uint8Array>, opts: OpenAudioOptions): Promise<AudioStream> {
  opts.signal?.throwIfAborted();
  const src = new ByteSource(source, opts.signal);
  try {
    if ((await src.fill(12)) === 0) throw new VadError('EMPTY_AUDIO', 'the audio stream is empty (0 bytes)');
    // An ID3v2 tag may precede MP3 (and sometimes FLAC): skip it, however large, then look again.
    const id3 = id3TagLength(src.peek(10));
    if (id3 > 0) {
      if ((await src.skip(id3)) < id3) throw new VadError('INVALID_AUDIO', 'the stream ends inside its ID3 tag');
      if ((await src.fill(12)) === 0) throw new VadError('EMPTY_AUDIO', 'the stream holds an ID3 tag and no audio');
    }
    // RIFF needs its 12 bytes only (so a header declaring too much fails before the samples are read);
    // FLAC's STREAMINFO and Ogg's OpusHead fit in 64; a bare MPEG sync word needs the next frame too.
    const first = src.peek(12);
    const isRiff = first.length === 12 && first[8] === 0x57 && first[9] === 0x41 && first[10] === 0x56 && first[11] === 0x45;
    if (!isRiff) await src.fill(first[0] === 0xff ? DETECT_BYTES : HEADER_PROBE_BYTES);
    let head = src.peek(DETECT_BYTES);
    let format = detectFormat(head);
    if (format === 'unknown' && id3 > 0) {
      // Padding between an ID3 tag and the first MPEG frame.
      await src.fill(DETECT_BYTES);
      const offset = findMpegFrame(src.peek(DETECT_BYTES));
      if (offset > 0) {
        src.consume(offset);
        await src.fill(DETECT_BYTES);
        head = src.peek(DETECT_BYTES);
        format = detectFormat(head);
      }
    }
    let decoded: DecodedAudio;
    switch (format) {
      case 'wav':
      case 'rf64':
        decoded = await openWav(src);
        break;
      case 'mp3':
        decoded = await openMp3(src, head);
        break;
      case 'flac':
        decoded = await openFlac(src, head);
        break;
      case 'ogg':
        decoded = await openOggOpus(src, head);
        break;
      case 'unknown-media':
        decoded = await openFfmpeg(src, head, opts);
        break;
      case 'unknown':
        if (head.length < 12) throw new VadError('INVALID_AUDIO', `the stream is only ${head.length} bytes, too short for any audio header`);
        throw new VadError('UNSUPPORTED_FORMAT', `unrecognised audio format; ${SUPPORTED_FORMATS}`);
    }
    const { info } = decoded;
    try {
      // The rate the chunks come at is what the resampler takes (ffmpeg's output is already 16 kHz).
      assertSampleRate(decoded.chunkRate, info.container.toUpperCase());
      assertHeaderLimits(info, opts);
    } catch (err) {
      decoded.release();
      throw err;
    }
    const warnings: WarningData[] = [];
    return {
      info,
      warnings,
      blockRate: blockRate(decoded, opts),
      blocks: toSampleBlocks(decoded, opts, warnings, () => {
        decoded.release();
        src.close();
      }),
    };
  } catch (err) {
    src.close();
    throw err;
  }
}
