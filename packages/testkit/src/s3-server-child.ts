/**
 * Runs s3rver in its own process (started by `startS3Server` with the root package.json's
 * `vadfleet.s3rverNodeFlags`, which include `--openssl-legacy-provider`: s3rver's paginated
 * ListObjectsV2 encrypts continuation tokens with a cipher OpenSSL 3 disables by default).
 * Prints one JSON line `{"port": n}` once listening.
 */
import { createRequire } from 'node:module';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
const [directory, port = '0'] = process.argv.slice(2);
if (!directory) throw new Error('usage: s3-server-child.js <directory> [port]');

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  // The access key id must be S3RVER; any secret passes, and so do requests re-signed nowhere (proxies).
  allowMismatchedSignatures: true,
});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

const stop = () => void server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Exit with the parent: a test run killed hard must not leave servers behind.
process.on('disconnect', stop);
