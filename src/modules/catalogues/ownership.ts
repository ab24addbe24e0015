import { and, eq, getTableName, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { badRequest } from '../../core/errors.js';
import type { Executor } from '../../db/database.js';
import { catalogueRepository, type OwnedTable } from './catalogue.repository.js';

// For modules that take catalogue references in a body (a partner's tierId, a lead's tags):
// an id that is not the caller's company's is a 400 naming the field — the same answer as an
// id that does not exist, so nothing leaks across companies.

export interface OwnershipOptions {
  /** An extra condition, e.g. `eq(stages.pipeline, 'partner')`. */
  where?: SQL | undefined;
  /** What one row is called in the message; by default the table name in the singular. */
  noun?: string | undefined;
}

/** `custom_fields` → `custom field`, `categories` → `category`. */
const singular = (table: OwnedTable) =>
  getTableName(table).replace(/ies$/, 'y').replace(/s$/, '').replaceAll('_', ' ');

function unknownIds(field: string, noun: string, what: string, unknown: readonly unknown[]) {
  const message = `Unknown ${noun} ${what} for your company: ${unknown.join(', ')}`;
  return badRequest(`Invalid field '${field}': ${message}`, [{ path: field, message }]);
}

/**
 * Throws a 400 naming `fieldName` and the offending ids unless every id in `ids` is a row of
 * `table` owned by `companyId` (and matching `options.where`). Repeated ids are fine; no ids is
 * a no-op. Run it in the writing transaction; the foreign key keeps the row from being deleted
 * before the transaction commits.
 *
 * @example await assertOwned(tx, tags, companyId, body.tags, 'tags')
 *   // 400 {"error": "Invalid field 'tags': Unknown tag id(s) for your company: 12, 13", …}
 */
export async function assertOwned(
  db: Executor,
  table: OwnedTable,
  companyId: number,
  ids: readonly number[],
  fieldName: string,
  options: OwnershipOptions = {},
): Promise<void> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return;
  const found = await catalogueRepository.existingIds(
    db,
    table,
    and(eq(table.company_id, companyId), options.where),
    wanted,
  );
  const unknown = wanted.filter((id) => !found.has(id));
  if (unknown.length > 0) throw unknownIds(fieldName, options.noun ?? singular(table), 'id(s)', unknown);
}

/**
 * The id of the row of `table` with this public `uuid` owned by `companyId` (e.g. a partner's
 * `stageUuid`), or a 400 naming `fieldName`. A malformed uuid is the same 400.
 */
export async function resolveOwnedUuid(
  db: Executor,
  table: OwnedTable & { uuid: AnyPgColumn },
  companyId: number,
  uuid: string,
  fieldName: string,
  options: OwnershipOptions = {},
): Promise<number> {
  const noun = options.noun ?? singular(table);
  if (!UUID.test(uuid)) throw unknownIds(fieldName, noun, 'uuid', [uuid]);
  const row = await catalogueRepository.findOne(
    db,
    table,
    and(eq(table.uuid, uuid), eq(table.company_id, companyId), options.where),
  );
  if (!row) throw unknownIds(fieldName, noun, 'uuid', [uuid]);
  return (row as { id: number }).id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
