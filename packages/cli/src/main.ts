/**
 * The `vadfleet` command. `detect` runs the model on local files (@vadfleet/vad-core); `batch` drives the
 * batches API of a running service. Resolves to the exit status.
 */
import { runBatchCli } from './batch-command.js';

const HELP = `Usage:
  vadfleet detect FILE... [options]        speech segments of local audio files (vadfleet detect --help)
  vadfleet batch submit s3://BUCKET/PREFIX [--preset NAME] [--wait] ...
  vadfleet batch status ID
  vadfleet batch results ID [--format csv|ndjson]
                                          (vadfleet batch --help)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'detect') {
    // Loaded only when used: `batch` needs no ONNX runtime.
    const { runDetectCli } = await import('@vadfleet/vad-core/cli');
    return runDetectCli(argv);
  }
  if (command === 'batch') return runBatchCli(rest, process.env);
  if (command === '-h' || command === '--help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  process.stderr.write(`vadfleet: ${command ? `unknown command "${command}"` : 'missing command'}\n${HELP}\n`);
  return 2;
}
