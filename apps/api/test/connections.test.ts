import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type {} from '@vadfleet/testkit/global-setup';
import { randomBucket, randomPrefix } from '@vadfleet/testkit/names';
import { s3rverAppEnv } from '@vadfleet/testkit/s3-server';
import { spawnApp, type AppProcess } from '@vadfleet/testkit/spawn-app';
import { createRedis } from '@vadfleet/platform/queue';

const KEY = 'shutdown-key-0123456789';
const BOUNDARY = 'shutdownboundary';

/**
 * A client on a raw socket that announces a large multipart upload and keeps sending it (as curl or a
 * script does with a big file), so what the server does with an unread body is visible.
 */
class Uploader {
  readonly socket: Socket;
  response = '';
  /** Resolves when the server ends or resets the connection. */
  readonly closed: Promise<void>;
  private sending = true;

  /** Sends `declaredBytes` of body, or only the first `stallAt` of them and then nothing more. */
  constructor(url: string, params: string, declaredBytes: number, stallAt = declaredBytes) {
    const { port, hostname } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.on('data', (d) => (this.response += d));
    this.closed = new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.once('end', () => resolve());
    });
    this.socket.on('error', () => undefined); // a reset while sending is one way of being closed
    const head =
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="params"\r\n\r\n${params}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="call.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
    this.socket.write(
      `POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${KEY}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${declaredBytes}\r\n\r\n${head}`,
    );
    let sent = head.length;
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (this.sending && !this.socket.destroyed && sent + chunk.length < Math.min(stallAt, declaredBytes - 64)) {
        sent += chunk.length;
        if (!this.socket.write(chunk)) return void this.socket.once('drain', pump);
      }
    };
    pump();
  }

  /** Resolves with the status line once the response's headers are in. */
  async status(): Promise<string> {
    await expect.poll(() => this.response.includes('\r\n\r\n'), { timeout: 20_000 }).toBe(true);
    return this.response.split('\r\n')[0];
  }

  stop(): void {
    this.sending = false;
    this.socket.destroy();
  }
}

describe('the API process and connections it cannot finish at once', () => {
  let app: AppProcess | undefined;
  let uploader: Uploader | undefined;
  const prefix = randomPrefix('shut');

  const start = (env: Record<string, string> = {}) =>
    spawnApp('api', {
      PORT: '0',
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: prefix,
      ...s3rverAppEnv(inject('s3Endpoint')),
      UPLOAD_BUCKET: randomBucket('up'),
      RESULTS_BUCKET: randomBucket('res'),
      API_KEYS: `${KEY}:shut`,
      ...env,
    });

  afterEach(async () => {
    uploader?.stop();
    if (app) {
      app.kill('SIGKILL');
      await app.exited;
    }
    const redis = createRedis(inject('redisUrl'));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('closes the connection of a rejected upload instead of leaving its body unread, and then stops at once', async () => {
    app = await start();
    uploader = new Uploader(app.url, '{"preset":"meetings"}', 64 * 1024 * 1024);
    expect(await uploader.status()).toBe('HTTP/1.1 400 Bad Request');
    expect(uploader.response.toLowerCase()).toContain('connection: close');
    expect(uploader.response).toContain('"code":"INVALID_PARAMS"');
    // Before, the connection stayed open with the body unread until the 72-s keep-alive timeout, and
    // the API's shutdown waited for it.
    await uploader.closed;
    app.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.lines.some((l) => l.msg === 'closing connections still open after the shutdown grace period')).toBe(false);
  }, 120_000);

  it('closes connections still open after SHUTDOWN_GRACE_MS on SIGTERM', async () => {
    app = await start({ SHUTDOWN_GRACE_MS: '500' });
    // An upload that stalls half-way holds its request open.
    uploader = new Uploader(app.url, '{"preset":"meeting"}', 64 * 1024 ** 2, 1024 ** 2);
    await app.waitForLine((l) => l.msg === 'incoming request');
    app.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.lines.find((l) => l.msg === 'closing connections still open after the shutdown grace period')).toMatchObject({ graceMs: 500 });
    await uploader.closed;
  }, 120_000);

  it('answers 503 UPLOADS_BUSY with Retry-After beyond MAX_CONCURRENT_UPLOADS, and takes uploads again once one ends', async () => {
    app = await start({ MAX_CONCURRENT_UPLOADS: '1' });
    uploader = new Uploader(app.url, '{"preset":"meeting"}', 64 * 1024 ** 2, 1024 ** 2);
    await app.waitForLine((l) => l.msg === 'incoming request');
    const post = () => {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(1000)]), 'a.wav');
      return fetch(`${app!.url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    };
    const busy = await post();
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect((await busy.json()).error.code).toBe('UPLOADS_BUSY');
    uploader.stop();
    await expect.poll(async () => (await post()).status, { timeout: 20_000 }).toBe(202);
  }, 120_000);
});
