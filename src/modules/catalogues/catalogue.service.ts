import { and, eq, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgInsertValue, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { ApiError, badRequest, conflict, notFound } from '../../core/errors.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db, Executor } from '../../db/database.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors.js';
import { type CatalogueTable, catalogueRepository, equalities, type Row } from './catalogue.repository.js';

/** What sets one catalogue apart from the others. */
export interface CatalogueSpec<T extends CatalogueTable, R extends Row<T> = Row<T>> {
  table: T;
  /** 'Tag': "Tag not found", `Tag "VIP" is in use by 3 record(s)…`. */
  noun: string;
  /** What an entry is called in messages: its label (a campaign's title). */
  name(row: R): string;
  /** The 409 message when the table's unique index (its label) is hit. */
  duplicate?(values: Partial<R>): string;
  /** Fixed column values that carve this catalogue out of its table (a stage pipeline). */
  scope?: Partial<Row<T>>;
  /** List order; by default the id. */
  orderBy?: readonly AnyPgColumn[];
  /** Fields a PATCH may repeat but not change (400 if the value differs). */
  immutable?: readonly (keyof Row<T> & string)[];
}

export type CreateValues<T extends CatalogueTable> = Omit<PgInsertValue<T>, 'company_id'>;
export type UpdateValues<T extends CatalogueTable> = PgUpdateSetSource<T>;
export type ListQuery = Page & Record<string, unknown>;

/**
 * List, get, create, update, delete and bulk-update for one per-company catalogue. Every
 * query is scoped to the caller's company (and the spec's scope), so another company's entry
 * is "not found". Methods that may run inside a caller's transaction take the executor last.
 * `R` narrows the row type where the API guarantees more than the column (a stage's phase).
 */
export class CatalogueService<T extends CatalogueTable, R extends Row<T> = Row<T>> {
  constructor(
    protected readonly db: Db,
    readonly spec: CatalogueSpec<T, R>,
  ) {}

  /** The caller's entries (optionally one of them, or some more conditions). */
  protected owned(companyId: number, ...more: (SQL | undefined)[]): SQL | undefined {
    const { table, scope = {} } = this.spec;
    return and(eq(table.company_id, companyId), ...equalities(table, scope), ...more);
  }

  protected byId(companyId: number, id: number): SQL | undefined {
    return this.owned(companyId, eq(this.spec.table.id, id));
  }

  async getOrThrow(companyId: number, id: number, db: Executor = this.db, lock = false): Promise<R> {
    const row = await catalogueRepository.findOne(db, this.spec.table, this.byId(companyId, id), lock);
    if (!row) throw notFound(this.spec.noun);
    return row as R;
  }

  /** A page of entries; query keys other than page/pageSize are equality filters on columns. */
  async list(companyId: number, query: ListQuery) {
    const { page, pageSize, ...filters } = query;
    const { table, orderBy = [table.id] } = this.spec;
    const { rows, total } = await catalogueRepository.page(
      this.db,
      table,
      this.owned(companyId, ...equalities(table, filters)),
      orderBy,
      { page, pageSize },
    );
    return { data: rows as R[], meta: pageMeta(total, pageSize) };
  }

  async create(companyId: number, values: CreateValues<T>, db: Executor = this.db): Promise<R> {
    const insert = { ...values, ...this.spec.scope, company_id: companyId } as PgInsertValue<T>;
    try {
      return (await catalogueRepository.insert(db, this.spec.table, insert)) as R;
    } catch (err) {
      throw this.mapUniqueViolation(err, values as Partial<R>);
    }
  }

  /** Changes the fields sent (none: the entry as it is). */
  async update(companyId: number, id: number, values: UpdateValues<T>, db: Executor = this.db): Promise<R> {
    const changes: Record<string, unknown> = Object.fromEntries(
      Object.entries(values).filter(([, v]) => v !== undefined),
    );
    const fixed = (this.spec.immutable ?? []).filter((key) => key in changes);
    if (fixed.length > 0) {
      const current = await this.getOrThrow(companyId, id, db);
      for (const key of fixed) {
        if (changes[key] !== current[key]) {
          const message = `cannot be changed (it is '${String(current[key])}')`;
          throw badRequest(`Invalid field '${key}': ${message}`, [{ path: key, message }]);
        }
        delete changes[key];
      }
    }
    if (Object.keys(changes).length === 0) return this.getOrThrow(companyId, id, db);
    try {
      const row = await catalogueRepository.update(
        db,
        this.spec.table,
        this.byId(companyId, id),
        changes as UpdateValues<T>,
      );
      if (!row) throw notFound(this.spec.noun);
      return row as R;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // For the message only: the entry as committed, with the change that collided.
      const current = await catalogueRepository.findOne(this.db, this.spec.table, this.byId(companyId, id));
      throw this.mapUniqueViolation(err, { ...current, ...changes } as Partial<R>);
    }
  }

  /**
   * Deletes an entry nothing refers to. The row is locked first: a writer adding a reference
   * right now holds a key-share lock on it, so the count below sees every committed reference,
   * and new references wait until the delete commits (and then fail their foreign key check).
   */
  async remove(companyId: number, id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.getOrThrow(companyId, id, tx, true);
      const uses = await catalogueRepository.countReferences(tx, this.spec.table, id);
      if (uses > 0) throw this.inUse(row, uses);
      try {
        await catalogueRepository.delete(tx, this.spec.table, this.byId(companyId, id));
      } catch (err) {
        if (isForeignKeyViolation(err)) throw this.inUse(row);
        throw err;
      }
    });
  }

  /**
   * Journeybee's bulk PATCH: every entry changes, or none does. An id that is not the caller's
   * is a 404 naming it, and nothing is written.
   */
  async bulkUpdate(
    companyId: number,
    items: readonly ({ id: number } & UpdateValues<T>)[],
    listName: string,
  ): Promise<{ updated: number[] }> {
    const ids = items.map((item) => item.id);
    return this.db.transaction(async (tx) => {
      const found = await catalogueRepository.existingIds(
        tx,
        this.spec.table,
        this.owned(companyId),
        ids,
        true,
      );
      const missing = items.flatMap((item, i) => (found.has(item.id) ? [] : [{ id: item.id, i }]));
      if (missing.length > 0) {
        throw new ApiError(
          'not_found',
          `${this.spec.noun} not found: ${missing.map((m) => m.id).join(', ')}`,
          missing.map(({ id, i }) => ({ path: `${listName}[${i}].id`, message: `no such entry: ${id}` })),
        );
      }
      for (const { id, ...changes } of items) {
        await this.update(companyId, id, changes as unknown as UpdateValues<T>, tx);
      }
      return { updated: ids };
    });
  }

  protected inUse(row: R, uses?: number): ApiError {
    const what = `${this.spec.noun} "${this.spec.name(row)}"`;
    return conflict(
      uses === undefined
        ? `${what} is in use and cannot be deleted`
        : `${what} is in use by ${uses} record(s) and cannot be deleted`,
    );
  }

  private mapUniqueViolation(err: unknown, values: Partial<R>): unknown {
    if (!isUniqueViolation(err) || !this.spec.duplicate) return err;
    return conflict(this.spec.duplicate(values));
  }
}

/**
 * The common catalogue: entries named by a label that the table keeps unique per company
 * (case-insensitively), e.g. `A tier with label 'Gold' already exists`.
 */
export function labelledCatalogue<T extends CatalogueTable>(
  db: Db,
  table: T,
  noun: string,
  more: Partial<CatalogueSpec<T>> = {},
): CatalogueService<T> {
  const labelOf = (row: Partial<Row<T>>) => String((row as { label?: unknown }).label);
  return new CatalogueService(db, {
    table,
    noun,
    name: labelOf,
    duplicate: (row) => `A ${noun.toLowerCase()} with label '${labelOf(row)}' already exists`,
    ...more,
  });
}
