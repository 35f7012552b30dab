import type { ChannelSpeech, ExportedObject } from './speech-result.js';
import type { TrackSink } from './channel-cutter.js';
import { FORMAT_INFO, createEncoder, type Encoder, type SpeechFormat } from './encoder.js';
import type { ObjectStore, ObjectWriter } from './object-store.js';
import type { TimeMapEntry } from './timemap.js';

/**
 * A TrackSink whose store writes are asynchronous: the cutter's calls encode at once and queue the writes;
 * `drain()` performs them (the exporter awaits it after every decoded block, which bounds what waits).
 */
abstract class QueuedWriter implements TrackSink {
  protected readonly ops: (() => Promise<void>)[] = [];
  protected readonly open = new Set<ObjectWriter>();
  protected speechSamples = 0;

  constructor(
    protected readonly store: ObjectStore,
    protected readonly format: SpeechFormat,
    protected readonly rate: number,
  ) {}

  abstract begin(startSample: number, startMs: number, endMs: number | undefined, segmentIndex: number): void;
  abstract write(samples: Int16Array): void;
  abstract end(endSample: number, endMs: number): void;

  async drain(): Promise<void> {
    while (this.ops.length > 0) await this.ops.shift()!();
  }

  /** Removes what was being written (an object appears only at a successful close). */
  async abort(): Promise<void> {
    this.ops.length = 0;
    await Promise.all([...this.open].map((w) => w.abort().catch(() => undefined)));
    this.open.clear();
  }

  protected async createObject(key: string, encoder: Encoder): Promise<ObjectWriter> {
    const writer = await this.store.create(key, FORMAT_INFO[this.format].contentType);
    this.open.add(writer);
    await writer.write(encoder.header());
    return writer;
  }

  protected async closeObject(writer: ObjectWriter, encoder: Encoder): Promise<number> {
    const { tail, header } = encoder.finish();
    if (tail.length > 0) await writer.write(tail);
    const bytes = await writer.close(header);
    this.open.delete(writer);
    return bytes;
  }

  protected ms(samples: number): number {
    return (samples * 1000) / this.rate;
  }
}

/**
 * One object per clip: `<base>/ch<N>/<index>-<startMs>-<endMs>.<ext>`. A clip whose end is not known yet
 * (it is being split) keeps its encoded bytes queued until the end names it: at most `maxClipMs` of audio.
 */
export class ClipsWriter extends QueuedWriter {
  private readonly objects: ExportedObject[] = [];
  private clip: { index: number; encoder: Encoder; key?: string; writer?: ObjectWriter; startSample: number; startMs: number; segmentIndex: number } | null = null;
  private clipCount = 0;
  private waiting: (() => Promise<void>)[] = [];

  constructor(store: ObjectStore, format: SpeechFormat, rate: number, private readonly base: string) {
    super(store, format, rate);
  }

  begin(startSample: number, startMs: number, endMs: number | undefined, segmentIndex: number): void {
    const clip = { index: this.clipCount++, encoder: createEncoder(this.format, this.rate), startSample, startMs, segmentIndex } as NonNullable<typeof this.clip>;
    this.clip = clip;
    if (endMs !== undefined) clip.key = this.keyFor(clip.index, startMs, endMs);
    this.queue(async () => {
      clip.writer = await this.createObject(clip.key!, clip.encoder);
    });
  }

  write(samples: Int16Array): void {
    const clip = this.clip!;
    const bytes = clip.encoder.encode(samples);
    if (bytes.length > 0) this.queue(() => clip.writer!.write(bytes));
  }

  end(endSample: number, endMs: number): void {
    const clip = this.clip!;
    clip.key ??= this.keyFor(clip.index, clip.startMs, endMs);
    this.ops.push(...this.waiting.splice(0));
    this.clip = null;
    const samples = endSample - clip.startSample;
    this.speechSamples += samples;
    this.ops.push(async () => {
      const bytes = await this.closeObject(clip.writer!, clip.encoder);
      this.objects.push({ key: clip.key!, bytes, durationMs: this.ms(samples), segmentIndex: clip.segmentIndex, startMs: clip.startMs, endMs });
    });
  }

  result(channel: number, durationMs: number): ChannelSpeech {
    return channelSpeech(channel, this.ms(this.speechSamples), durationMs, this.objects);
  }

  /** Writes of a clip without a key wait (in order) until its end names it. */
  private queue(op: () => Promise<void>): void {
    if (this.clip && this.clip.key === undefined) this.waiting.push(op);
    else this.ops.push(op);
  }

  private keyFor(index: number, startMs: number, endMs: number): string {
    return `${this.base}/${index}-${startMs}-${endMs}.${FORMAT_INFO[this.format].ext}`;
  }
}

/**
 * One object per channel, `<base>.<ext>`: the pieces end to end with `gapMs` of silence between them, and
 * `<base>.map.json` with one time-map entry per piece.
 */
export class JoinedWriter extends QueuedWriter {
  private readonly encoder: Encoder;
  private writer?: ObjectWriter;
  private readonly map: TimeMapEntry[] = [];
  private outSamples = 0;
  private pieceStart = 0;
  private pieceOutStart = 0;
  private readonly gap: Int16Array;
  private object?: ExportedObject;

  constructor(store: ObjectStore, format: SpeechFormat, rate: number, private readonly base: string, gapMs: number) {
    super(store, format, rate);
    this.encoder = createEncoder(format, rate);
    this.gap = new Int16Array(Math.round((gapMs * rate) / 1000));
    this.ops.push(async () => {
      this.writer = await this.createObject(this.key, this.encoder);
    });
  }

  get key(): string {
    return `${this.base}.${FORMAT_INFO[this.format].ext}`;
  }

  get mapKey(): string {
    return `${this.base}.map.json`;
  }

  begin(startSample: number): void {
    if (this.map.length > 0 && this.gap.length > 0) this.write(this.gap);
    this.pieceStart = startSample;
    this.pieceOutStart = this.outSamples;
  }

  write(samples: Int16Array): void {
    const bytes = this.encoder.encode(samples);
    this.outSamples += samples.length;
    if (bytes.length > 0) this.ops.push(() => this.writer!.write(bytes));
  }

  end(endSample: number): void {
    const samples = endSample - this.pieceStart;
    this.speechSamples += samples;
    this.map.push({ outStartMs: this.ms(this.pieceOutStart), srcStartMs: this.ms(this.pieceStart), durationMs: this.ms(samples) });
  }

  /** Closes the track and writes its time map. */
  async finish(): Promise<void> {
    await this.drain();
    const bytes = await this.closeObject(this.writer!, this.encoder);
    this.object = { key: this.key, bytes, durationMs: this.ms(this.outSamples) };
    await this.store.put(this.mapKey, new TextEncoder().encode(`${JSON.stringify(this.map)}\n`), 'application/json');
  }

  result(channel: number, durationMs: number): ChannelSpeech {
    return { ...channelSpeech(channel, this.ms(this.speechSamples), durationMs, this.object ? [this.object] : []), mapKey: this.mapKey };
  }
}

function channelSpeech(channel: number, speechMs: number, durationMs: number, objects: ExportedObject[]): ChannelSpeech {
  const removedRatio = durationMs > 0 ? Math.max(0, 1 - speechMs / durationMs) : 0;
  return { channel, speechMs: Math.round(speechMs * 1000) / 1000, removedRatio: Math.round(removedRatio * 10000) / 10000, objects };
}
