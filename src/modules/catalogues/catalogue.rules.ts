import { ApiError, badRequest, conflict } from '../../core/errors.js';

// The rules every catalogue shares, as pure functions over what the database said (no queries
// here). The writes themselves are guarded (scoped WHEREs, the unique index, RESTRICT foreign
// keys), so these run before a write or, after a write that missed, to explain the miss with the
// same error as ever.

type Fields = Record<string, unknown>;

/** The fields of a body that were sent (a key whose value is undefined was not). */
export function sentFields(values: object): Fields {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/**
 * An update's plan: `repeated` holds the fields a PATCH may repeat but not change (they become
 * conditions of the write), `changes` what it writes.
 */
export function updatePlan(
  values: object,
  immutable: readonly string[] = [],
): { repeated: Fields; changes: Fields } {
  const repeated: Fields = {};
  const changes = sentFields(values);
  for (const key of immutable) {
    if (!(key in changes)) continue;
    repeated[key] = changes[key];
    delete changes[key];
  }
  return { repeated, changes };
}

/** A 400 for the first repeated field whose value is not the stored one. */
export function assertUnchanged(repeated: Fields, current: Fields): void {
  for (const [key, value] of Object.entries(repeated)) {
    if (value === current[key]) continue;
    const message = `cannot be changed (it is '${String(current[key])}')`;
    throw badRequest(`Invalid field '${key}': ${message}`, [{ path: key, message }]);
  }
}

/** The 409 for deleting an entry something refers to (`uses` unknown: the count saw none left). */
export function inUse(noun: string, name: string, uses?: number): ApiError {
  const what = `${noun} "${name}"`;
  return conflict(
    uses === undefined || uses === 0
      ? `${what} is in use and cannot be deleted`
      : `${what} is in use by ${uses} record(s) and cannot be deleted`,
  );
}

/**
 * The bulk PATCH's 404: every id of `items` that is not among `found` (the caller's entries),
 * each named at its index in the list; undefined when all are there.
 */
export function missingEntries(
  noun: string,
  listName: string,
  items: readonly { id: number }[],
  found: readonly number[],
): ApiError | undefined {
  const known = new Set(found);
  const missing = items.flatMap((item, i) => (known.has(item.id) ? [] : [{ id: item.id, i }]));
  if (missing.length === 0) return undefined;
  return new ApiError(
    'not_found',
    `${noun} not found: ${missing.map((m) => m.id).join(', ')}`,
    missing.map(({ id, i }) => ({ path: `${listName}[${i}].id`, message: `no such entry: ${id}` })),
  );
}

/**
 * Which change of a bulk update hits the unique index first, as if the changes were applied one
 * by one in the order sent (as the API describes them): the entry as it would become, or
 * undefined if none collides. `key` is the index's key of an entry (e.g. its lower-cased label).
 */
export function firstCollision<R extends { id: number }>(
  entries: readonly R[],
  items: readonly ({ id: number } & Fields)[],
  key: (entry: Partial<R>) => string,
): Partial<R> | undefined {
  const state = new Map(entries.map((entry) => [entry.id, entry as Partial<R>]));
  for (const { id, ...changes } of items) {
    const next = { ...state.get(id), ...sentFields(changes) } as Partial<R>;
    const taken = key(next);
    for (const [otherId, other] of state) {
      if (otherId !== id && key(other) === taken) return next;
    }
    state.set(id, next);
  }
  return undefined;
}
