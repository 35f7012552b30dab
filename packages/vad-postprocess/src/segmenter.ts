/**
 * FunASR's E2E VAD post-processing (spec §7–§10): per-frame speech decision with the energy gates,
 * the 20-frame window detector, and the start/end state machine. Frames are pushed strictly in order;
 * the caller marks only the stream's last frame as final. Names follow the spec's §10.1 table.
 */
import type { Segment } from './segment.js';
import type { PostConfig } from './post-config.js';

const enum Mode {
  Idle,
  InSpeech,
  Ended,
}

const enum Report {
  SilToSil,
  SilToSpeech,
  SpeechToSpeech,
  SpeechToSil,
}

/** Sliding window of the last W frame decisions (spec §9). */
class WindowDetector {
  private readonly ring: Uint8Array;
  private pos = 0;
  private sum = 0;
  private speech = false;

  constructor(
    size: number,
    private readonly toSpeech: number,
    private readonly toSilence: number,
  ) {
    this.ring = new Uint8Array(size);
  }

  push(isSpeech: boolean): Report {
    const v = isSpeech ? 1 : 0;
    this.sum += v - this.ring[this.pos];
    this.ring[this.pos] = v;
    this.pos = (this.pos + 1) % this.ring.length;
    if (!this.speech && this.sum >= this.toSpeech) {
      this.speech = true;
      return Report.SilToSpeech;
    }
    if (this.speech && this.sum <= this.toSilence) {
      this.speech = false;
      return Report.SpeechToSil;
    }
    return this.speech ? Report.SpeechToSpeech : Report.SilToSil;
  }

  reset(): void {
    this.ring.fill(0);
    this.pos = 0;
    this.sum = 0;
    this.speech = false;
  }
}

interface OpenSegment {
  startMs: number;
  endMs: number;
  hasStart: boolean;
  hasEnd: boolean;
}

export class Segmenter {
  private readonly window: WindowDetector;
  private readonly latency: number;
  private readonly lookahead: number;
  private readonly endSilenceMs: number;
  private readonly maxFrames: number;

  private mode = Mode.Idle;
  private silRun = 0;
  private lastSpeech = 0;
  private lastSilence = -1;
  private segStart = -1;
  private segEnd = -1;
  private ends = 0;
  private nextFree = 0;
  private noiseDb = -100;
  private frame = 0;
  /** Segments not yet handed out; index 0 may still be growing only if it is the last. */
  private segments: OpenSegment[] = [];

  constructor(private readonly config: PostConfig) {
    const f = config.frameInMs;
    this.window = new WindowDetector(Math.trunc(config.windowSizeMs / f), Math.trunc(config.silToSpeechTimeThres / f), Math.trunc(config.speechToSilTimeThres / f));
    this.latency = Math.trunc(config.windowSizeMs / f) + (config.doExtend ? Math.trunc(config.lookbackTimeStartPoint / f) : 0);
    this.lookahead = Math.trunc(config.lookaheadTimeEndPoint / f);
    this.endSilenceMs = config.maxEndSilenceTime - config.speechToSilTimeThres;
    this.maxFrames = config.maxSingleSegmentTime / f;
  }

  /** Frames pushed so far. */
  get framesDone(): number {
    return this.frame;
  }

  /**
   * Pushes the next frame. `silenceProb` is P(silence) (the sum over sil_pdf_ids), `db` its energy
   * (ignored unless the gates are active), `final` true only for the stream's last frame.
   */
  push(silenceProb: number, db: number, final: boolean): void {
    const t = this.frame++;
    if (this.mode === Mode.Ended) return; // single-utterance mode after its end point
    const c = this.config;
    let isSpeech: boolean;
    if (db < c.decibelThres) {
      // FunASR pushes a frame below the decibel threshold through the detector twice (spec §8).
      this.step(t, false, false);
      if ((this.mode as Mode) === Mode.Ended) return;
      isSpeech = false;
    } else {
      const p = silenceProb;
      const candidate = Math.exp(Math.log(1 - p)) >= Math.exp(c.speech2NoiseRatio * Math.log(p)) + c.speechNoiseThres;
      if (candidate) {
        isSpeech = db - this.noiseDb >= c.snrThres && db >= c.decibelThres;
      } else {
        isSpeech = false;
        const n = c.noiseFrameNumUsedForSnr;
        this.noiseDb = this.noiseDb < -99.9 ? db : (db + this.noiseDb * (n - 1)) / n;
      }
    }
    this.step(t, isSpeech, final);
  }

  /** Takes the segments that are complete (all remaining ones once the final frame was pushed). */
  takeClosed(all = false): Segment[] {
    let n = 0;
    while (n < this.segments.length && (all || (this.segments[n].hasStart && this.segments[n].hasEnd))) n++;
    return this.segments.splice(0, n).map((s) => [s.startMs, s.endMs]);
  }

  private step(t: number, isSpeech: boolean, final: boolean): void {
    const report = this.window.push(isSpeech);
    switch (report) {
      case Report.SilToSpeech:
        this.silRun = 0;
        if (this.mode === Mode.Idle) {
          const s = Math.max(this.nextFree, t - this.latency);
          this.start(s, true);
          this.mode = Mode.InSpeech;
          for (let g = s + 1; g <= t; g++) this.speechFrame(g);
        } else if (this.mode === Mode.InSpeech) {
          for (let g = this.lastSpeech + 1; g < t; g++) this.speechFrame(g);
          this.continueSpeech(t, final);
        }
        break;
      case Report.SpeechToSil:
      case Report.SpeechToSpeech:
        this.silRun = 0;
        if (this.mode === Mode.InSpeech) this.continueSpeech(t, final);
        break;
      case Report.SilToSil:
        this.silRun += 1;
        if (this.mode === Mode.Idle) this.silenceWhileIdle(t, final);
        else if (this.mode === Mode.InSpeech) this.silenceInSpeech(t, final);
        break;
    }
    if (this.mode === Mode.Ended && this.config.detectMode === 1) this.reset();
  }

  private continueSpeech(t: number, final: boolean): void {
    if (t - this.segStart + 1 > this.maxFrames || final) this.close(t);
    else this.speechFrame(t);
  }

  private silenceWhileIdle(t: number, final: boolean): void {
    const c = this.config;
    if ((c.detectMode === 0 && this.silRun * c.frameInMs > c.maxStartSilenceTime) || (final && this.ends === 0)) {
      for (let g = this.lastSilence + 1; g < t; g++) this.silenceFrame(g);
      this.start(0, false);
      this.end(0, false);
      this.mode = Mode.Ended;
    } else if (t >= this.latency) {
      this.silenceFrame(t - this.latency);
    }
  }

  private silenceInSpeech(t: number, final: boolean): void {
    const c = this.config;
    if (this.silRun * c.frameInMs >= this.endSilenceMs) {
      let back = Math.trunc(this.endSilenceMs / c.frameInMs);
      if (c.doExtend) back = Math.max(0, back - this.lookahead - 1);
      this.close(t - back);
    } else if (t - this.segStart + 1 > this.maxFrames) {
      this.close(t);
    } else if (c.doExtend && !final) {
      if (this.silRun <= this.lookahead) this.speechFrame(t);
    } else if (final) {
      this.close(t);
    }
  }

  private consumeTo(f: number): void {
    if (f > this.nextFree) this.nextFree = f;
  }

  private append(f: number, isStart: boolean, isEnd: boolean): void {
    this.consumeTo(f);
    this.nextFree += 1;
    if (isStart || this.segments.length === 0) this.segments.push({ startMs: f * this.config.frameInMs, endMs: 0, hasStart: false, hasEnd: false });
    const last = this.segments[this.segments.length - 1];
    last.endMs = (f + 1) * this.config.frameInMs;
    if (isStart) last.hasStart = true;
    if (isEnd) last.hasEnd = true;
  }

  private speechFrame(f: number): void {
    this.lastSpeech = f;
    this.append(f, false, false);
  }

  private silenceFrame(f: number): void {
    this.lastSilence = f;
    if (this.mode === Mode.Idle) this.consumeTo(f);
  }

  private start(f: number, real: boolean): void {
    if (this.segStart === -1) this.segStart = f;
    if (real && this.mode === Mode.Idle) this.append(this.segStart, true, false);
  }

  private end(f: number, real: boolean): void {
    for (let g = this.lastSpeech + 1; g < f; g++) this.speechFrame(g);
    if (this.segEnd === -1) this.segEnd = f;
    if (real) this.append(this.segEnd, false, true);
    this.ends += 1;
  }

  private close(f: number): void {
    this.end(f, true);
    this.mode = Mode.Ended;
  }

  private reset(): void {
    this.silRun = 0;
    this.lastSpeech = 0;
    this.lastSilence = -1;
    this.segStart = -1;
    this.segEnd = -1;
    this.mode = Mode.Idle;
    this.window.reset();
  }
}
