import { z } from 'zod';

export * from './config/common.js';
export * from './config/api.js';
export * from './config/worker.js';

/** A configuration that failed validation; the message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates environment variables against a config schema, once, at process start. Empty strings count
 * as unset (compose files often write `VAR=`), so defaults apply. Values are not echoed: some are secrets.
 */
export function parseConfig<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const input: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(config)');
    const description = (schema.shape[name] as z.ZodType | undefined)?.description;
    const problem = issue.code === 'invalid_type' && input[name] === undefined ? 'is required' : issue.message;
    return `  ${name}: ${problem}${description ? ` — ${description}` : ''}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}
