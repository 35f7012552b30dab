/**
 * Resampler throughput: ns per 16 kHz output sample and seconds of CPU per minute of audio, one channel,
 * input fed in 100 ms blocks. Run after building: `node packages/vad-core/dist/bench/resampler-bench.js`.
 */
import { StreamingResampler } from '../audio/resampler.js';

const AUDIO_SECONDS = 60;
const ROUNDS = 3;

function bench(inRate: number): { nsPerOutput: number; secondsPerMinute: number; taps: number } {
  const input = new Float32Array(inRate * AUDIO_SECONDS);
  for (let i = 0; i < input.length; i++) input[i] = Math.round(8000 * Math.sin(i * 0.05) + 3000 * Math.sin(i * 0.31));
  const block = inRate / 10;
  let best = Infinity;
  let outputs = 0;
  let taps = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const r = new StreamingResampler(inRate);
    taps = r.taps;
    outputs = 0;
    const start = process.hrtime.bigint();
    for (let pos = 0; pos < input.length; pos += block) outputs += r.push(input.subarray(pos, pos + block)).length;
    outputs += r.flush().length;
    best = Math.min(best, Number(process.hrtime.bigint() - start));
  }
  return { nsPerOutput: best / outputs, secondsPerMinute: (best / 1e9) * (60 / AUDIO_SECONDS), taps };
}

console.log('| input rate | taps per output | ns per output sample | s per audio minute |');
console.log('|---|---|---|---|');
for (const rate of [8000, 44100, 48000]) {
  const { nsPerOutput, secondsPerMinute, taps } = bench(rate);
  const tapsNote = rate === 8000 ? `${taps} (odd outputs only)` : String(taps);
  console.log(`| ${rate} Hz | ${tapsNote} | ${nsPerOutput.toFixed(1)} | ${secondsPerMinute.toFixed(4)} |`);
}
