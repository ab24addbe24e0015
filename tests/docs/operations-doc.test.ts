/**
 * docs/operations.md's configuration reference is the config schema's: regenerated in memory here,
 * it must equal the file and name every variable the schema parses, and the schema must hold every
 * variable src/ reads (loadConfig parses process.env through it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configTable, END, OPERATIONS_DOC, START, withConfigTable } from '../../scripts/config-doc.js';
import { ENV_SCHEMA } from '../../src/config/index.js';

const doc = readFileSync(OPERATIONS_DOC, 'utf8');
const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('docs/operations.md configuration reference', () => {
  it('equals what the schema generates (run `npm run docs:config` if not)', () => {
    const expected = withConfigTable(doc);
    if (expected !== doc) {
      expect.fail('docs/operations.md differs from the config schema: run `npm run docs:config`');
    }
  });

  it('has one row, with a description and a default, for every variable of the schema', () => {
    const section = doc.slice(doc.indexOf(START), doc.indexOf(END));
    const keys = Object.keys(ENV_SCHEMA.shape);
    expect(keys).toContain('LOG_FORMAT');
    for (const key of keys) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      const [, value, description] = row!.split(' | ');
      expect(value, key).toMatch(/^(unset|`.+`)$/);
      expect(description?.length ?? 0, key).toBeGreaterThan(10);
    }
    expect(configTable().split('\n')).toHaveLength(keys.length + 2);
  });

  it('every variable src reads is in the schema (outside it, only PATH for a child process)', () => {
    const keys = new Set(Object.keys(ENV_SCHEMA.shape));
    const read = new Set<string>();
    for (const file of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(path.join(SRC, file), 'utf8');
      for (const m of text.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[['"]([^'"]+)['"]\])/g)) {
        read.add((m[1] ?? m[2])!);
      }
      expect(text, `${file} indexes process.env with a computed name`).not.toMatch(/process\.env\[(?!['"])/);
    }
    const outside = [...read].filter((name) => !keys.has(name));
    expect(outside).toEqual(['PATH']);
  });
});
