/**
 * The `vadfleet` command. `detect` runs the model on local files (@vadfleet/vad-core); `batch` drives the
 * batches API of a running service. Resolves to the exit status.
 */
import { runBatchCli } from './batch-command.js';

const BATCH_SUMMARY = `
Batches on a running service (vadfleet batch --help):
  vadfleet batch submit s3://BUCKET/PREFIX [--preset NAME] [--wait] ...
  vadfleet batch status ID
  vadfleet batch results ID [--format csv|ndjson]`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'batch') return runBatchCli(rest, process.env);
  // Everything else is `detect`'s (its usage errors and --help included). Loaded only when used: `batch`
  // needs no ONNX runtime.
  const { runDetectCli } = await import('@vadfleet/vad-core/cli');
  const code = await runDetectCli(argv);
  if (command === '-h' || command === '--help') process.stdout.write(`${BATCH_SUMMARY}\n`);
  return code;
}
