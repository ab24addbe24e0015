/**
 * The configuration reference of docs/operations.md, generated from the config schema
 * (src/config/index.ts): one row per environment variable, its default and its `.describe()` text.
 * `npm run docs:config` rewrites the section between the markers; tests/docs/operations-doc.test.ts
 * fails when the file differs from what this would write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENV_SCHEMA } from '../src/config/index.js';

export const OPERATIONS_DOC = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../docs/operations.md',
);
export const START = '<!-- config:start -->';
export const END = '<!-- config:end -->';

interface Def {
  type: string;
  out?: { _zod: { def: Def } };
  defaultValue?: unknown;
}

/** The default a variable takes when unset or empty, as the environment would spell it. */
function defaultOf(schema: unknown): string | undefined {
  let def = (schema as { _zod: { def: Def } })._zod.def;
  // Every variable is z.preprocess(emptyToUndefined, inner): a pipe whose `out` is the inner schema.
  if (def.type === 'pipe' && def.out) def = def.out._zod.def;
  if (def.type === 'default' || def.type === 'prefault') return String(def.defaultValue);
  return undefined;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The table, one row per key of the schema, in the schema's order. */
export function configTable(): string {
  const rows = Object.entries(ENV_SCHEMA.shape).map(([name, schema]) => {
    const description = (schema as { description?: string }).description;
    if (!description) throw new Error(`${name} has no .describe() text in src/config/index.ts`);
    const value = defaultOf(schema);
    return `| \`${name}\` | ${value === undefined ? 'unset' : `\`${cell(value)}\``} | ${cell(description)} |`;
  });
  return ['| variable | default | what it does |', '|---|---|---|', ...rows].join('\n');
}

/** `doc` with its marked section replaced by the generated table. */
export function withConfigTable(doc: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/operations.md lacks the ${START} … ${END} markers`);
  return `${doc.slice(0, start + START.length)}\n${configTable()}\n${doc.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const before = readFileSync(OPERATIONS_DOC, 'utf8');
  const after = withConfigTable(before);
  if (after !== before) writeFileSync(OPERATIONS_DOC, after);
  console.log(
    after === before
      ? 'docs/operations.md: up to date'
      : 'docs/operations.md: configuration reference written',
  );
}
