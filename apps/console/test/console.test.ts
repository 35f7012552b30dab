/**
 * The console in a real browser against the real service: headless Chromium (Debian's, never a
 * downloaded one) drives the built console served by the API, which queues jobs for a real worker.
 * Each step leaves a screenshot in test-artifacts/console/. UPDATE_DOCS_SCREENSHOTS=1 also rewrites the
 * two README screenshots in docs/img/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup'; // declares inject('redisUrl' | 's3Endpoint')
import { repoRoot } from '@vadfleet/testkit/spawn-app';
import { EXAMPLE_WAV_PATH, pcm16Slice, stereoMulawCall } from './call-audio.js';
import { API_KEY, System } from './system.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(repoRoot, 'test-artifacts/console');
const DOCS_IMG = join(repoRoot, 'docs/img');
const UPDATE_DOCS = process.env.UPDATE_DOCS_SCREENSHOTS === '1';
const LECTURE = [[70, 28970], [29960, 70450]];

const system = new System({ redisUrl: inject('redisUrl'), s3Endpoint: inject('s3Endpoint') });
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(join(repoRoot, 'apps/console/dist/index.html'))) throw new Error('Build the console first: npm run build -w @vadfleet/console');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(ARTIFACTS, { recursive: true });
  await system.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await system.stop();
});

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const card = (file: string) => page.locator(`[data-testid=file-card][data-file="${file}"]`);
const regions = (c: Locator, kind = 'current') => c.locator(`[data-testid=region][data-kind=${kind}]`);

async function regionsOf(c: Locator, kind = 'current'): Promise<number[][]> {
  return regions(c, kind).evaluateAll((items) => items.map((li) => [Number(li.getAttribute('data-start-ms')), Number(li.getAttribute('data-end-ms'))]));
}

async function useKey(key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Use key' }).click();
}

async function upload(file: { name: string; mimeType: string; buffer: Buffer } | string): Promise<void> {
  await page.locator('#file-input').setInputFiles(file);
}

test('a golden upload shows 12 regions; the lecture preset rescored shows 2 without a second model run', async () => {
  await page.goto(system.api!.url + '/');
  await expect.poll(() => page.title()).toBe('vadfleet console');
  await useKey(API_KEY);
  await shot('1-start');

  await upload(EXAMPLE_WAV_PATH);
  const example = card('vad_example.wav');
  await example.and(page.locator('[data-status=completed]')).waitFor({ timeout: 60_000 });
  await expect.poll(() => regions(example).count()).toBe(12);
  await example.locator('[data-testid=lane]').first().waitFor(); // the waveform is drawn
  expect(await example.locator('[data-testid=segment-row]').count()).toBe(12);
  await shot('2-meeting');
  if (UPDATE_DOCS) await example.screenshot({ path: join(DOCS_IMG, 'console-meeting.png') });

  const runsBefore = await system.inferenceRuns();
  expect(runsBefore).toBeGreaterThan(0);
  await page.getByLabel('Preset').selectOption('lecture');
  await example.and(page.locator('[data-rescore=done], [data-rescore=failed]')).waitFor({ timeout: 20_000 });
  if ((await example.getAttribute('data-rescore')) === 'failed') throw new Error(`rescore failed: ${await example.getByRole('alert').textContent()}`);
  expect(await regionsOf(example)).toEqual(LECTURE);
  expect(await regions(example, 'previous').count()).toBe(12); // the job's own result, faded alongside
  expect(await system.inferenceRuns()).toBe(runsBefore);
  await shot('3-lecture-rescored');
  if (UPDATE_DOCS) await example.screenshot({ path: join(DOCS_IMG, 'console-lecture.png') });
});

test('a stereo μ-law call is drawn as two lanes, agent and customer, each with its own regions', async () => {
  await upload({ name: 'call.wav', mimeType: 'audio/wav', buffer: stereoMulawCall([0, 30_000], 20_000) });
  const call = card('call.wav');
  await call.and(page.locator('[data-status=completed]')).waitFor({ timeout: 60_000 });
  const lanes = call.locator('[data-testid=lane]');
  await lanes.first().waitFor();
  expect(await lanes.allTextContents()).toEqual(['agent', 'customer']);
  await expect.poll(() => regions(call).and(page.locator('[data-channel="0"]')).count()).toBeGreaterThan(0);
  expect(await regions(call).and(page.locator('[data-channel="1"]')).count()).toBeGreaterThan(0);
  await call.scrollIntoViewIfNeeded();
  await shot('4-stereo-call');
});

test('a file that is not audio shows the job error code; a wrong key shows UNAUTHORIZED', async () => {
  await upload({ name: 'noise.bin', mimeType: 'application/octet-stream', buffer: randomBytes(4096) });
  const bad = card('noise.bin');
  await bad.and(page.locator('[data-status=failed]')).waitFor({ timeout: 30_000 });
  expect(await bad.getByTestId('error-code').textContent()).toMatch(/^(UNSUPPORTED_FORMAT|INVALID_AUDIO)$/);
  await shot('5-bad-file');

  await useKey('not-a-valid-key-000000');
  await upload({ name: 'short.wav', mimeType: 'audio/wav', buffer: stereoMulawCall([0, 0], 1000) });
  const rejected = card('short.wav');
  await rejected.and(page.locator('[data-status=rejected]')).waitFor({ timeout: 10_000 });
  expect(await rejected.getByTestId('error-code').textContent()).toBe('UNAUTHORIZED');
  await shot('6-unauthorized');
});

test('the jobs tab lists the jobs and opens one; the batches tab reports what the API says', async () => {
  await useKey(API_KEY);
  await page.getByRole('tab', { name: 'Jobs' }).click();
  await expect.poll(() => page.getByTestId('job-row').count()).toBeGreaterThanOrEqual(3);
  // Each upload's file name beside its id.
  await expect.poll(() => page.getByTestId('job-row').filter({ hasText: 'call.wav' }).count()).toBeGreaterThanOrEqual(1);
  await shot('7-jobs');
  await page.getByTestId('job-row').filter({ hasText: 'completed' }).first().getByRole('button', { name: /Open job/ }).click();
  const opened = page.locator('[data-testid=file-card][data-file^="job "]');
  await opened.and(page.locator('[data-status=completed]')).waitFor({ timeout: 10_000 });
  await expect.poll(() => regions(opened).count()).toBeGreaterThan(0);

  await page.getByRole('tab', { name: 'Batches' }).click();
  await page.getByLabel('S3 bucket').fill('no-such-bucket');
  await page.getByRole('button', { name: 'Start batch' }).click();
  const alert = page.locator('#panel-batches [role=alert]');
  await alert.waitFor();
  // The API refuses a bucket outside S3_ALLOWED_BUCKETS; the console shows its code.
  expect(await alert.getByTestId('error-code').textContent()).toBe('BUCKET_NOT_ALLOWED');
  await shot('8-batches');
});

test('a batch over an S3 prefix shows its progress, then one row per call with the corrupt one failed', async () => {
  const prefix = 'calls/console/';
  const files: Record<string, Buffer> = {
    'a-mono.wav': pcm16Slice([1_000], 4_000),
    'b-stereo.wav': pcm16Slice([26_000, 29_000], 5_000),
    'c-mono.wav': pcm16Slice([50_000], 3_000),
    'd-corrupt.wav': randomBytes(4096),
  };
  await Promise.all(Object.entries(files).map(([name, bytes]) => system.store.putBytes(system.inputBucket, prefix + name, bytes, 'audio/wav')));

  await page.getByRole('tab', { name: 'Batches' }).click();
  await page.getByLabel('S3 bucket').fill(system.inputBucket);
  await page.getByLabel('Key prefix').fill(prefix);
  await page.getByRole('button', { name: 'Start batch' }).click();
  await page.getByTestId('batch-state').and(page.locator('[data-status=completed]')).waitFor({ timeout: 30_000 });
  const rows = page.getByTestId('batch-row');
  await expect.poll(() => rows.count()).toBe(4);
  expect(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-key'), tr.getAttribute('data-status')]))).toEqual([
    [`${prefix}a-mono.wav`, 'completed'],
    [`${prefix}b-stereo.wav`, 'completed'],
    [`${prefix}c-mono.wav`, 'completed'],
    [`${prefix}d-corrupt.wav`, 'failed'],
  ]);
  expect(await rows.last().getByTestId('error-code').textContent()).toMatch(/^(UNSUPPORTED_FORMAT|INVALID_AUDIO)$/);
  const turns = await rows.nth(1).locator('td').nth(8).textContent(); // the stereo call has the QA columns
  expect(turns).toMatch(/^\d+$/);
  expect(await page.getByTestId('batch-status').textContent()).toContain('4 of 4');
  await shot('9-batch');
});

test("the batches tab lists the tenant's batches with their progress; the results table fits a 1280-px page", async () => {
  // Real keys are long paths: they must wrap in the table, not push its last column off the page.
  const prefix = 'calls/console-wide/2024-06-01/queue-customer-care-emea-inbound/';
  const files: Record<string, Buffer> = {
    'agent-0042-customer-0815-inbound-recording-000123-stereo.wav': pcm16Slice([26_000, 29_000], 5_000),
    'agent-0043-customer-0816-inbound-recording-000124-mono.wav': pcm16Slice([1_000], 4_000),
  };
  await Promise.all(Object.entries(files).map(([name, bytes]) => system.store.putBytes(system.inputBucket, prefix + name, bytes, 'audio/wav')));
  await page.setViewportSize({ width: 1280, height: 900 });
  try {
    await page.getByRole('tab', { name: 'Jobs' }).click();
    await page.getByRole('tab', { name: 'Batches' }).click();
    const listed = page.getByTestId('batch-list-row');
    // The batch of the previous test is listed (with its progress) as soon as the tab opens.
    await expect.poll(() => listed.count()).toBeGreaterThanOrEqual(1);
    const before = await listed.count();
    await page.getByLabel('S3 bucket').fill(system.inputBucket);
    await page.getByLabel('Key prefix').fill(prefix);
    await page.getByRole('button', { name: 'Start batch' }).click();
    await page.getByTestId('batch-state').and(page.locator('[data-status=completed]')).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('batch-row').count()).toBe(2);
    // Newest first, ended, with its progress and counts.
    await expect.poll(() => listed.first().getAttribute('data-status')).toBe('completed');
    expect(await listed.count()).toBe(before + 1);
    const newest = listed.first();
    expect(await newest.locator('progress').getAttribute('value')).toBe('100');
    expect(await newest.textContent()).toContain('2 of 2');
    await shot('10-batch-list');

    const fit = await page.getByTestId('batch-results').evaluate((table) => {
      const scroller = table.parentElement!;
      const lastHeader = table.querySelector('thead th:last-child')!.getBoundingClientRect();
      return { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, lastRight: lastHeader.right, viewport: window.innerWidth };
    });
    expect(fit.scrollWidth).toBeLessThanOrEqual(fit.clientWidth);
    expect(fit.lastRight).toBeLessThanOrEqual(fit.viewport);

    // An older batch opens from the list.
    await listed.nth(1).getByRole('button', { name: /Open batch/ }).click();
    await expect.poll(() => page.getByTestId('batch-row').count()).toBe(4);
  } finally {
    await page.setViewportSize({ width: 1100, height: 900 });
  }
});
