#!/usr/bin/env node
/**
 * `npm run bench:s3-costs`: what the S3 traffic of `bench:system` costs in CPU, on both sides, without the
 * model. 100 objects of bench:system's size (3 minutes of 16 kHz PCM16) are staged in a private s3rver
 * (untimed), then each step runs as the service does it, 4 at once: a GET streamed and dropped, the same
 * GET through the worker's SHA-256 ByteMeter, 200 small PUTs (a job's result JSON and frame
 * probabilities), 100 HEADs (the API's check of an S3-key job). Prints the median of 3 rounds of the
 * CPU seconds used by this process (the client, AWS SDK included) and by s3rver.
 * Not a test: nothing is asserted. Linux only (reads /proc). Needs `npm run build` (the npm script does it).
 */
import { ByteMeter } from '@vadfleet/platform/byte-meter';
import { ObjectStore, createS3Client } from '@vadfleet/platform/object-store';
import { s3rverClientConfig, startS3Server } from '@vadfleet/testkit/s3-server';
import { cpuSecondsBetween, cpuSecondsByProcess, pool } from './bench-common.mjs';

const OBJECTS = 100;
const OBJECT_BYTES = 44 + 180 * 16_000 * 2;
const SMALL_BYTES = 72_000; // frame probabilities of 3 minutes (18,000 float32)
const ROUNDS = 3;
const BUCKET = 'bench-costs';

const drain = async (stream) => {
  for await (const _ of stream);
};

const steps = {
  'GET, bytes dropped': (store, i) => store.getStream(BUCKET, `audio-${i}`).then(({ body }) => drain(body)),
  'GET through SHA-256': (store, i) => store.getStream(BUCKET, `audio-${i}`).then(({ body }) => drain(body.pipe(new ByteMeter(Infinity)))),
  '2 small PUTs': async (store, i) => {
    await store.putBytes(BUCKET, `small-${i}.bin`, Buffer.alloc(SMALL_BYTES, i), 'application/octet-stream');
    await store.putJson(BUCKET, `small-${i}.json`, { jobId: String(i), segments: [[0, 1000]] });
  },
  HEAD: (store, i) => store.head(BUCKET, `audio-${i}`),
};

const s3 = await startS3Server();
try {
  const store = new ObjectStore(createS3Client(s3rverClientConfig(s3.endpoint)));
  await store.ensureBucket(BUCKET);
  const audio = Buffer.alloc(OBJECT_BYTES, 7);
  await pool(OBJECTS, 2, (i) => store.putBytes(BUCKET, `audio-${i}`, audio, 'audio/wav'));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const measured = new Map(Object.keys(steps).map((name) => [name, { client: [], server: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, step] of Object.entries(steps)) {
      const before = cpuSecondsByProcess();
      await pool(OBJECTS, 4, (i) => step(store, i));
      const cpu = cpuSecondsBetween(before, cpuSecondsByProcess());
      measured.get(name).client.push(cpu.get('this process') ?? NaN);
      measured.get(name).server.push(cpu.get('s3 server') ?? NaN);
    }
  }
  console.log(`\nCPU seconds for ${OBJECTS} jobs' worth (median of ${ROUNDS} rounds; objects of ${(OBJECT_BYTES / 1e6).toFixed(2)} MB):\n`);
  console.log('| step                  | client (AWS SDK) | s3rver |');
  console.log('|-----------------------|-----------------:|-------:|');
  for (const [name, { client, server }] of measured) {
    console.log(`| ${name.padEnd(21)} | ${median(client).toFixed(2).padStart(16)} | ${median(server).toFixed(2).padStart(6)} |`);
  }
} finally {
  await s3.stop();
}
