import type { z } from 'zod';
import { TEXT_MESSAGES } from '../../src/core/schemas.js';

// Walks a request schema (a route's body or querystring) to every place a client's string can
// land, and probes each with a NUL and with an unpaired surrogate: every such place must refuse
// them with the shared messages (src/http/schemas.ts). A schema kind the walk does not know is
// reported too, so a new kind of schema cannot slip past unchecked.

export interface TextGap {
  path: string;
  problem: string;
}

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };

const PROBES = [
  { text: 'a\u0000b', message: TEXT_MESSAGES.nul, key: TEXT_MESSAGES.nulKey },
  { text: 'a\uD800b', message: TEXT_MESSAGES.surrogate, key: TEXT_MESSAGES.surrogateKey },
] as const;

/** Every issue message, nested ones (union branches, record keys) included. */
function messages(issues: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const issue of issues as { message?: string; issues?: unknown[]; errors?: unknown[][] }[]) {
    if (issue.message) out.push(issue.message);
    if (Array.isArray(issue.issues)) out.push(...messages(issue.issues));
    if (Array.isArray(issue.errors)) for (const branch of issue.errors) out.push(...messages(branch));
  }
  return out;
}

function refuses(schema: AnySchema, value: unknown, message: string): boolean {
  const result = schema.safeParse(value);
  return !result.success && messages(result.error.issues).includes(message);
}

/** Where a `schema` (at `path`) lets a string through that PostgreSQL cannot store. */
export function textGaps(schema: z.ZodType, path = '', seen = new Set<unknown>()): TextGap[] {
  const s = schema as AnySchema;
  if (seen.has(s)) return [];
  seen.add(s);
  const def = s._zod.def;
  const at = (more: string) => (path ? `${path}${more}` : more.replace(/^\./, ''));
  const walk = (child: unknown, more: string) => textGaps(child as z.ZodType, at(more), seen);
  const gaps: TextGap[] = [];
  const probe = (values: (text: string) => unknown, what: string, kind: 'message' | 'key' = 'message') => {
    for (const p of PROBES) {
      if (!refuses(s, values(p.text), p[kind])) {
        gaps.push({ path: path || '(root)', problem: `${what} accepts ${JSON.stringify(p.text)}` });
      }
    }
  };

  switch (def.type) {
    case 'string':
    case 'template_literal':
      probe((t) => t, 'a string');
      break;
    case 'unknown':
    case 'any':
      // Free-form JSON: strings and keys at any depth.
      probe((t) => [{ x: t }], 'free-form JSON');
      probe((t) => ({ [t]: 1 }), 'free-form JSON (as a key)', 'key');
      break;
    case 'record': {
      probe((t) => ({ [t]: null }), 'a record key', 'key');
      const value = (def.valueType as AnySchema)._zod.def.type;
      if (value === 'unknown' || value === 'any') probe((t) => ({ k: [t] }), 'a record value');
      else gaps.push(...walk(def.valueType, '.*'));
      break;
    }
    case 'object': {
      for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
        gaps.push(...walk(child, `.${key}`));
      }
      const catchall = def.catchall as AnySchema | undefined;
      if (catchall && catchall._zod.def.type !== 'never') gaps.push(...walk(catchall, '.*'));
      break;
    }
    case 'array':
    case 'set':
      gaps.push(...walk(def.element ?? def.valueType, '[]'));
      break;
    case 'tuple':
      (def.items as unknown[]).forEach((item, i) => {
        gaps.push(...walk(item, `[${i}]`));
      });
      if (def.rest) gaps.push(...walk(def.rest, '[]'));
      break;
    case 'union':
      for (const option of def.options as unknown[]) gaps.push(...walk(option, ''));
      break;
    case 'intersection':
      gaps.push(...walk(def.left, ''), ...walk(def.right, ''));
      break;
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'success':
      gaps.push(...walk(def.innerType, ''));
      break;
    case 'pipe': {
      // What the client sends meets the pipe's input side; z.preprocess puts a function there,
      // and then it is the output side.
      const input = def.in as AnySchema;
      gaps.push(...walk(input._zod.def.type === 'transform' ? def.out : input, ''));
      break;
    }
    case 'lazy':
      gaps.push(...walk((def.getter as () => unknown)(), ''));
      break;
    case 'number':
    case 'int':
    case 'boolean':
    case 'bigint':
    case 'null':
    case 'undefined':
    case 'void':
    case 'never':
    case 'nan':
    case 'date':
    case 'enum':
    case 'literal':
      break;
    default:
      gaps.push({
        path: path || '(root)',
        problem: `schema kind '${def.type}' is not understood by the walk`,
      });
  }
  return gaps;
}

/** How many string-accepting places textGaps() looked at (to prove the walk saw something). */
export function countTextPlaces(schema: z.ZodType, seen = new Set<unknown>()): number {
  const s = schema as AnySchema;
  if (seen.has(s)) return 0;
  seen.add(s);
  const def = s._zod.def;
  const count = (child: unknown) => countTextPlaces(child as z.ZodType, seen);
  switch (def.type) {
    case 'string':
    case 'template_literal':
    case 'unknown':
    case 'any':
      return 1;
    case 'record':
      return 1 + count(def.valueType);
    case 'object':
      return Object.values(def.shape as Record<string, unknown>).reduce<number>((n, c) => n + count(c), 0);
    case 'array':
    case 'set':
      return count(def.element ?? def.valueType);
    case 'union':
      return (def.options as unknown[]).reduce<number>((n, c) => n + count(c), 0);
    case 'pipe':
      return count((def.in as AnySchema)._zod.def.type === 'transform' ? def.out : def.in);
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
      return count(def.innerType);
    default:
      return 0;
  }
}
