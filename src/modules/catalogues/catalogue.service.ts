import { and, eq, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgInsertValue, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { conflict, notFound } from '../../core/errors.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { isForeignKeyViolation, isUniqueViolation, pgErrorCode } from '../../db/errors.js';
import {
  type CatalogueTable,
  catalogueRepository,
  type Extra,
  equalities,
  type Row,
} from './catalogue.repository.js';
import { assertUnchanged, firstCollision, inUse, missingEntries, updatePlan } from './catalogue.rules.js';

/** What sets one catalogue apart from the others. */
export interface CatalogueSpec<T extends CatalogueTable, R extends Row<T> = Row<T>> {
  table: T;
  /** 'Tag': "Tag not found", `Tag "VIP" is in use by 3 record(s)…`. */
  noun: string;
  /** What an entry is called in messages: its label (a campaign's title). */
  name(row: R): string;
  /** The 409 message when the table's unique index (its label) is hit. */
  duplicate?(values: Partial<R>): string;
  /** The unique index's key of an entry (to tell which change of a bulk update hit it). */
  uniqueKey?(values: Partial<R>): string;
  /** Fixed column values that carve this catalogue out of its table (a stage pipeline). */
  scope?: Partial<Row<T>>;
  /** List order; by default the id. */
  orderBy?: readonly AnyPgColumn[];
  /** Fields a PATCH may repeat but not change (400 if the value differs). */
  immutable?: readonly (keyof Row<T> & string)[];
  /** Computed values every entry is read and returned with (a custom field's options). */
  extra?: Extra;
  /**
   * A rule an entry must still meet after an update (a campaign's date range), said twice:
   * `guard` is the condition on the stored row that the UPDATE itself checks (so a concurrent
   * change cannot slip past it), `check` the pure rule that explains a miss with its 400.
   */
  updateRule?: {
    guard(changes: Record<string, unknown>): SQL | undefined;
    check(entry: Partial<R>): void;
  };
}

export type CreateValues<T extends CatalogueTable> = Omit<PgInsertValue<T>, 'company_id'>;
export type UpdateValues<T extends CatalogueTable> = PgUpdateSetSource<T>;
export type ListQuery = Page & Record<string, unknown>;

/** A foreign key refused a delete: 23001 for ON DELETE RESTRICT, 23503 for NO ACTION. */
const isStillReferenced = (err: unknown) => pgErrorCode(err) === '23001' || isForeignKeyViolation(err);

/** How often an update whose guard missed, on a row that now passes its rules, is tried again. */
const UPDATE_ATTEMPTS = 3;

/**
 * List, get, create, update, delete and bulk-update for one per-company catalogue. Every
 * query is scoped to the caller's company (and the spec's scope), so another company's entry
 * is "not found".
 *
 * Each write is one statement, guarded by its WHERE, the unique index and the RESTRICT foreign
 * keys, and returns the row it wrote (RETURNING): no transaction, no read before or after. Only
 * a write that missed or failed reads, to explain itself with the error of the rules
 * (`catalogue.rules.ts`): which entry, which field, how many references.
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

  protected byId(companyId: number, id: number, ...more: (SQL | undefined)[]): SQL | undefined {
    return this.owned(companyId, eq(this.spec.table.id, id), ...more);
  }

  protected find(companyId: number, id: number): Promise<R | undefined> {
    const { table, extra } = this.spec;
    return catalogueRepository.findOne(this.db, table, this.byId(companyId, id), extra) as Promise<
      R | undefined
    >;
  }

  async getOrThrow(companyId: number, id: number): Promise<R> {
    const row = await this.find(companyId, id);
    if (!row) throw notFound(this.spec.noun);
    return row;
  }

  /** A page of entries; query keys other than page/pageSize are equality filters on columns. */
  async list(companyId: number, query: ListQuery) {
    const { page, pageSize, ...filters } = query;
    const { table, orderBy = [table.id], extra } = this.spec;
    const { rows, total } = await catalogueRepository.page(
      this.db,
      table,
      this.owned(companyId, ...equalities(table, filters)),
      orderBy,
      { page, pageSize },
      extra,
    );
    return { data: rows as R[], meta: pageMeta(total, pageSize) };
  }

  /** One INSERT … RETURNING; the unique index answers a duplicate label (409). */
  async create(companyId: number, values: CreateValues<T>): Promise<R> {
    const insert = { ...values, ...this.spec.scope, company_id: companyId } as PgInsertValue<T>;
    try {
      return (await catalogueRepository.insert(this.db, this.spec.table, insert)) as R;
    } catch (err) {
      throw this.duplicateError(err, values as Partial<R>);
    }
  }

  /**
   * Changes the fields sent (none: the entry as it is), in one UPDATE … RETURNING whose WHERE
   * also requires the repeated immutable fields and the spec's rule. A miss reads the entry to
   * tell "not found" from the rule it breaks.
   */
  async update(companyId: number, id: number, values: UpdateValues<T>): Promise<R> {
    const { table, extra, updateRule } = this.spec;
    const { repeated, changes } = updatePlan(values, this.spec.immutable);
    if (Object.keys(changes).length === 0) {
      const current = await this.getOrThrow(companyId, id);
      assertUnchanged(repeated, current);
      return current;
    }
    const where = this.byId(companyId, id, ...equalities(table, repeated), updateRule?.guard(changes));
    for (let attempt = 1; ; attempt++) {
      let row: R | undefined;
      try {
        row = (await catalogueRepository.update(this.db, table, where, changes as UpdateValues<T>, extra)) as
          | R
          | undefined;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // For the message only: the entry as committed, with the change that collided.
        throw this.duplicateError(err, { ...(await this.find(companyId, id)), ...changes } as Partial<R>);
      }
      if (row) return row;
      const current = await this.getOrThrow(companyId, id);
      assertUnchanged(repeated, current);
      updateRule?.check({ ...current, ...changes } as Partial<R>);
      // The guard missed but the entry meets the rule now: it changed in between. Again.
      if (attempt === UPDATE_ATTEMPTS)
        throw conflict(`${this.spec.noun} changed during the update; try again`);
    }
  }

  /**
   * Deletes an entry nothing refers to, in one DELETE: a RESTRICT foreign key refuses it while
   * anything does (race-safe). Only then are the references counted, for the 409's message.
   */
  async remove(companyId: number, id: number): Promise<void> {
    let deleted: boolean;
    try {
      deleted = await catalogueRepository.delete(this.db, this.spec.table, this.byId(companyId, id));
    } catch (err) {
      if (!isStillReferenced(err)) throw err;
      const row = await this.getOrThrow(companyId, id);
      const uses = await catalogueRepository.countReferences(this.db, this.spec.table, id);
      throw inUse(this.spec.noun, this.spec.name(row), uses);
    }
    if (!deleted) throw notFound(this.spec.noun);
  }

  /**
   * Journeybee's bulk PATCH, in one statement: every entry changes, or none does. An id that is
   * not the caller's is a 404 naming it, and nothing is written.
   */
  async bulkUpdate(
    companyId: number,
    items: readonly ({ id: number } & UpdateValues<T>)[],
    listName: string,
  ): Promise<{ updated: number[] }> {
    const { table, noun } = this.spec;
    const changes = items.map((item) => item as { id: number } & Record<string, unknown>);
    let found: number[];
    try {
      found = await catalogueRepository.bulkUpdate(this.db, table, this.owned(companyId), changes);
    } catch (err) {
      if (!isUniqueViolation(err) || !this.spec.uniqueKey) throw err;
      // For the message only: the change that collides first, in the order sent.
      const entries = await catalogueRepository.all(this.db, table, this.owned(companyId));
      const collision = firstCollision(
        entries as unknown as (R & { id: number })[],
        changes,
        this.spec.uniqueKey,
      );
      throw this.duplicateError(err, (collision ?? changes[0]) as Partial<R>);
    }
    const missing = missingEntries(noun, listName, items, found);
    if (missing) throw missing;
    return { updated: items.map((item) => item.id) };
  }

  private duplicateError(err: unknown, values: Partial<R>): unknown {
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
    uniqueKey: (row) => labelOf(row).toLowerCase(),
    ...more,
  });
}
