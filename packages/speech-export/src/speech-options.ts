import { VadError } from '@vadfleet/shared/errors';
import { speechExportSchema, type SpeechExportInput, type SpeechExportOptions } from '@vadfleet/shared/speech-export';

/** Validates export options; anything unknown or out of range is INVALID_PARAMS naming the field. */
export function parseSpeechOptions(input: SpeechExportInput | undefined): SpeechExportOptions {
  const parsed = speechExportSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '');
  const field = path ? `speech.${path}` : 'speech';
  throw new VadError('INVALID_PARAMS', `Invalid parameter ${field}: ${issue.message}`, { field });
}
