/** A speech segment in milliseconds, [startMs, endMs). */
export type Segment = [startMs: number, endMs: number];
