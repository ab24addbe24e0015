import type { FastifySchemaValidationError } from 'fastify';
import { ApiError, type ErrorDetail } from './errors.js';

// Request problems as one 400: what the Zod type provider reports about a request, and what
// services report through FieldProblems, in the same words and shape.

const LOCATION: Record<string, string> = {
  body: 'field',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

/** What we need of a Zod issue (as Zod reports it, or as the type provider re-shapes it). */
export interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/** `customFields[1].value` from ['customFields', 1, 'value']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number' || (typeof part === 'string' && /^\d+$/.test(part)))
      out += `[${String(part)}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function issueDetails(issues: IssueLike[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    const base = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) {
        const path = base ? `${base}.${key}` : key;
        details.push({ path, message: `Unknown field '${path}'` });
      }
    } else {
      details.push({ path: base, message: issue.message });
    }
  }
  return details;
}

/** The issues of a request-validation failure, as the Zod type provider reports them. */
export function validationIssues(validation: readonly FastifySchemaValidationError[]): IssueLike[] {
  return validation.map((v) => ({
    code: v.keyword,
    path: v.instancePath.split('/').filter(Boolean),
    message: v.message ?? 'Invalid value',
    keys: (v.params as { keys?: string[] }).keys,
  }));
}

/** Turns a Zod request-validation failure into our 400, naming the parameter or field. */
export function validationError(context: string | undefined, issues: IssueLike[]): ApiError {
  const details = issueDetails(issues);
  const where = LOCATION[context ?? 'body'] ?? 'field';
  const first = details[0];
  let message: string;
  if (!first) message = 'Invalid request';
  else if (first.message.startsWith('Unknown field')) {
    const unknown = details.filter((d) => d.message.startsWith('Unknown field')).map((d) => d.path);
    message = `Unknown ${where}${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`;
  } else if (!first.path)
    message = context === 'body' ? `Invalid request body: ${first.message}` : first.message;
  else message = `Invalid ${where} '${first.path}': ${first.message}`;
  return new ApiError('bad_request', message, details);
}
