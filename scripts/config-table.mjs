#!/usr/bin/env node
/**
 * Prints the README's configuration table, generated from the zod config schemas in @vadfleet/shared
 * (build it first: `npx tsc -p packages/shared/tsconfig.json`).
 *
 *   node scripts/config-table.mjs           print the table
 *   node scripts/config-table.mjs --write   replace the block between the README markers
 *   node scripts/config-table.mjs --check   exit 1 when README.md's block differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { apiConfigSchema, commonConfigShape, workerConfigSchema } from '../packages/shared/dist/config.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';

const usedBy = (name) =>
  name in commonConfigShape ? 'api, worker' : name in apiConfigSchema.shape ? 'api' : 'worker';

function formatDefault(field) {
  const parsed = field.safeParse(undefined);
  if (!parsed.success) return '**required**';
  const value = parsed.data;
  if (value === undefined) return '—';
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : '(empty)';
  if (typeof value === 'object') return Object.keys(value).length ? `\`${JSON.stringify(value)}\`` : '(empty)';
  return `\`${String(value)}\``;
}

function formatAllowed(field) {
  const json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' });
  if (typeof field.safeParse(undefined).data === 'boolean') return '`true`, `false`';
  if (json.enum) return json.enum.map((v) => `\`${v}\``).join(', ');
  if (json.type === 'integer' || json.type === 'number') {
    const min = json.minimum ?? json.exclusiveMinimum;
    const max = json.maximum ?? json.exclusiveMaximum;
    return `${json.type} ${min ?? '−∞'}–${max ?? '∞'}`;
  }
  if (json.format === 'uri') return 'URL';
  return 'string';
}

/** Escapes table pipes, and angle brackets outside `code` spans (Markdown would read <pid> as HTML). */
function escapeMarkdown(text) {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll('<', '&lt;').replaceAll('>', '&gt;')))
    .join('`')
    .replaceAll('|', '\\|');
}

/** One row per variable: API and common variables first, then the worker's, each in schema order. */
export function renderConfigTable() {
  const shape = { ...apiConfigSchema.shape, ...workerConfigSchema.shape };
  const rows = Object.entries(shape).map(([name, field]) => {
    const description = escapeMarkdown(field.description ?? '');
    return `| \`${name}\` | ${usedBy(name)} | ${formatDefault(field)} | ${formatAllowed(field)} | ${description} |`;
  });
  return ['| Variable | Used by | Default | Allowed | Description |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The text between the markers in README.md, or null when the markers are missing. */
export function readReadmeTable(text = readFileSync(README, 'utf8')) {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return null;
  return text.slice(start + START.length, end).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const table = renderConfigTable();
  const mode = process.argv[2];
  if (mode === '--write') {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
    writeFileSync(README, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
  } else if (mode === '--check') {
    if (readReadmeTable() !== table) {
      process.stderr.write('README.md configuration table is out of date: run `node scripts/config-table.mjs --write`.\n');
      process.exit(1);
    }
  } else {
    process.stdout.write(`${table}\n`);
  }
}
