import { ApiError } from './errors.js';
import { type IssueLike, validationError } from './validation.js';

/**
 * Problems a service finds in a request body after its schema passed: ids that are not the
 * caller's, a custom field value that does not fit its field, an email off the partner's
 * domain (or a query parameter that needs more than its schema). Collected across the whole
 * request and reported at once, in the same 400 shape as a schema failure:
 * `Invalid field '<path>': <message>` with one `details` entry per problem.
 */
export class FieldProblems {
  private readonly issues: IssueLike[] = [];

  constructor(private readonly context: 'body' | 'querystring' = 'body') {}

  add(path: readonly PropertyKey[], message: string): void {
    this.issues.push({ code: 'custom', path: [...path], message });
  }

  /**
   * Awaits a check that throws a 400 with details (such as the catalogue ownership helpers)
   * and keeps those details as problems, so they are reported with the rest of the body's.
   */
  async collect<T>(check: Promise<T>): Promise<T | undefined> {
    try {
      return await check;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'bad_request' || !err.details) throw err;
      for (const detail of err.details) this.add([detail.path], detail.message);
      return undefined;
    }
  }

  get count(): number {
    return this.issues.length;
  }

  /** The 400; `message` replaces the generated one where a contract fixes the wording. */
  toError(message?: string): ApiError {
    const error = validationError(this.context, this.issues);
    return message ? new ApiError('bad_request', message, error.details) : error;
  }

  throwIfAny(message?: string): void {
    if (this.issues.length > 0) throw this.toError(message);
  }
}

/**
 * Ids a body names that must be among `found` (the caller's tags, users, partnerships…, as the
 * facts read them): each one that is not is a problem at `at(i)`, so another company's id
 * reads exactly like a missing one.
 */
export interface IdCheck {
  found: readonly number[];
  ids: readonly (number | undefined)[] | undefined;
  at: (index: number) => readonly PropertyKey[];
  what: string;
}

export function idProblems(problems: FieldProblems, ...checks: IdCheck[]): void {
  for (const { found, ids = [], at, what } of checks) {
    const known = new Set(found);
    ids.forEach((id, i) => {
      if (id !== undefined && !known.has(id)) problems.add(at(i), `${what} ${id}`);
    });
  }
}
