/**
 * The `vadfleet` command. `detect` runs the model on local files (@vadfleet/vad-core); `split` and
 * `timemap` export their speech (@vadfleet/speech-export); `batch` drives the batches API of a running service. Resolves to the exit status.
 */
import { runBatchCli } from './batch-command.js';

const BATCH_SUMMARY = `
Batches on a running service (vadfleet batch --help):
  vadfleet batch submit s3://BUCKET/PREFIX [--preset NAME] [--wait] ...
  vadfleet batch status ID
  vadfleet batch results ID [--format csv|ndjson]

Speech export for speech recognition (vadfleet split --help, vadfleet timemap --help):
  vadfleet split FILE... --out DIR [--layout clips|joined] [--format wav|flac] [--sample-rate 16000|8000|source]
                 [--pad-ms N] [--max-clip-ms N] [--gap-ms N]
  vadfleet timemap MAP.json SECONDS...`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'batch') return runBatchCli(rest, process.env);
  if (command === 'split' || command === 'timemap') {
    const { runSplitCli, runTimemapCli } = await import('./split-command.js');
    return command === 'split' ? runSplitCli(rest) : runTimemapCli(rest);
  }
  // Everything else is `detect`'s (its usage errors and --help included). Loaded only when used: `batch`
  // needs no ONNX runtime.
  const { runDetectCli } = await import('@vadfleet/vad-core/cli');
  const code = await runDetectCli(argv);
  if (command === '-h' || command === '--help') process.stdout.write(`${BATCH_SUMMARY}\n`);
  return code;
}
