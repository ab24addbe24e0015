import { and, asc, eq, getTableColumns, getTableName, inArray, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgInsertValue, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { type Page, pageOffset } from '../../core/pagination.js';
import type { Db, Executor } from '../../db/database.js';

// Queries any per-company table can share. Drizzle cannot type a query over "some table with
// these columns", so results are cast to the table's row type here, in one place.

/** A table whose rows belong to one company. */
export type OwnedTable = PgTable & { id: AnyPgColumn; company_id: AnyPgColumn };
/** A catalogue: owned, and with `updated_at`. */
export type CatalogueTable = OwnedTable & { updated_at: AnyPgColumn };
export type Row<T extends PgTable> = T['$inferSelect'];

/** The column named `key` of `table` (a filter, a scope value or an immutable field). */
export function columnOf(table: PgTable, key: string): AnyPgColumn {
  const column = (getTableColumns(table) as Record<string, AnyPgColumn | undefined>)[key];
  if (!column) throw new Error(`${getTableName(table)} has no column ${key}`);
  return column;
}

/** `column = value` for each defined value, keyed by column name. */
export function equalities(table: PgTable, values: Record<string, unknown>): SQL[] {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => eq(columnOf(table, key), value));
}

export const catalogueRepository = {
  /** One page and the exact count, concurrently on two pooled connections. */
  async page<T extends PgTable>(
    db: Db,
    table: T,
    where: SQL | undefined,
    orderBy: readonly AnyPgColumn[],
    page: Page,
  ): Promise<{ rows: Row<T>[]; total: number }> {
    const from = table as PgTable;
    const [rows, [count]] = await Promise.all([
      db
        .select()
        .from(from)
        .where(where)
        .orderBy(...orderBy.map((c) => asc(c)))
        .limit(page.pageSize)
        .offset(pageOffset(page)),
      db.select({ n: sql<number>`count(*)::int` }).from(from).where(where),
    ]);
    return { rows: rows as Row<T>[], total: count?.n ?? 0 };
  },

  async findOne<T extends PgTable>(
    db: Executor,
    table: T,
    where: SQL | undefined,
    lock = false,
  ): Promise<Row<T> | undefined> {
    const query = db
      .select()
      .from(table as PgTable)
      .where(where)
      .limit(1);
    const [row] = lock ? await query.for('update') : await query;
    return row as Row<T> | undefined;
  },

  /** Which of `ids` match `where` (locked FOR UPDATE when asked). */
  async existingIds<T extends OwnedTable>(
    db: Executor,
    table: T,
    where: SQL | undefined,
    ids: readonly number[],
    lock = false,
  ): Promise<Set<number>> {
    const query = db
      .select({ id: table.id })
      .from(table as PgTable)
      .where(and(where, inArray(table.id, [...ids])));
    const rows = (lock ? await query.for('update') : await query) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  },

  async insert<T extends PgTable>(db: Executor, table: T, values: PgInsertValue<T>): Promise<Row<T>> {
    const [row] = await db.insert(table).values(values).returning();
    return row as Row<T>;
  },

  async update<T extends CatalogueTable>(
    db: Executor,
    table: T,
    where: SQL | undefined,
    values: PgUpdateSetSource<T>,
  ): Promise<Row<T> | undefined> {
    const rows = await db
      .update(table)
      .set({ ...values, updated_at: sql`now()` } as PgUpdateSetSource<T>)
      .where(where)
      .returning();
    return (rows as Row<T>[])[0];
  },

  async delete(db: Executor, table: PgTable, where: SQL | undefined): Promise<void> {
    await db.delete(table).where(where);
  },

  /**
   * How many rows point at `id` through a RESTRICT / NO ACTION foreign key, whichever table
   * they are in. The keys are read from the catalogue, so a table another module adds later
   * (lead tags, a lead's campaign) is counted without this module knowing about it.
   */
  async countReferences(db: Executor, table: PgTable, id: number): Promise<number> {
    const { rows: refs } = await db.execute<{ tbl: string; col: string }>(sql`
      SELECT c.conrelid::regclass::text AS tbl, quote_ident(a.attname) AS col
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      WHERE c.contype = 'f' AND c.confrelid = to_regclass(${getTableName(table)})
        AND c.confdeltype IN ('a', 'r') AND cardinality(c.conkey) = 1
      ORDER BY 1, 2`);
    if (refs.length === 0) return 0;
    // Identifiers come from the catalogue, already quoted by PostgreSQL (regclass, quote_ident).
    const counts = refs.map(
      (r) => sql`(SELECT count(*) FROM ${sql.raw(r.tbl)} WHERE ${sql.raw(r.col)} = ${id})`,
    );
    const { rows } = await db.execute<{ n: number }>(sql`SELECT (${sql.join(counts, sql` + `)})::int AS n`);
    return rows[0]?.n ?? 0;
  },
};
