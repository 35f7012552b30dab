import { it } from "vitest"; it("p", async () => {
;
import { openAudio } from '../dist/audio/index.js';
import { exampleSamples } from './support/example-samples.js';
import { encodeMp3, withLameTag } from './support/mp3-encoder.js';
const x = exampleSamples();
const m = withLameTag(encodeMp3(x, 16000, 64), x.length);
const a = await openAudio((async function* () { yield m; })(), { maxChannels: 2, maxDurationMs: 1e9 });
const parts: Float32Array[] = [];
for await (const b of a.blocks) parts.push(b[0].slice());
const y = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
let o = 0; for (const p of parts) { y.set(p, o); o += p.length; }
let best = -Infinity, lag = 0;
for (let L = -300; L < 1500; L++) { let s = 0; for (let i = 160000; i < 192000; i++) s += x[i] * y[i + L]; if (s > best) { best = s; lag = L; } }
console.log(a.info, y.length, x.length, 'lag', lag);
}, 60000);
