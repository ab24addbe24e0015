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

/** Computed values a catalogue's rows are read and returned with (a custom field's options). */
export type Extra = Record<string, SQL>;

/** Every column of `table`, and the extra values. */
const columns = (table: PgTable, extra: Extra = {}) => ({ ...getTableColumns(table), ...extra });

export const catalogueRepository = {
  /** One page and the exact count, concurrently on two pooled connections. */
  async page<T extends PgTable>(
    db: Db,
    table: T,
    where: SQL | undefined,
    orderBy: readonly AnyPgColumn[],
    page: Page,
    extra?: Extra,
  ): Promise<{ rows: Row<T>[]; total: number }> {
    const from = table as PgTable;
    const [rows, [count]] = await Promise.all([
      db
        .select(columns(from, extra))
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
    extra?: Extra,
  ): Promise<Row<T> | undefined> {
    const [row] = await db
      .select(columns(table, extra))
      .from(table as PgTable)
      .where(where)
      .limit(1);
    return row as Row<T> | undefined;
  },

  /** Every entry matching `where` (for an error message: which change collided). */
  async all<T extends PgTable>(db: Executor, table: T, where: SQL | undefined): Promise<Row<T>[]> {
    return (await db
      .select()
      .from(table as PgTable)
      .where(where)) as Row<T>[];
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

  /** The entry matching `where` (its id, its company and any guard), changed; undefined: none matched. */
  async update<T extends CatalogueTable>(
    db: Executor,
    table: T,
    where: SQL | undefined,
    values: PgUpdateSetSource<T>,
    extra?: Extra,
  ): Promise<Row<T> | undefined> {
    const rows = await db
      .update(table)
      .set({ ...values, updated_at: sql`now()` } as PgUpdateSetSource<T>)
      .where(where)
      .returning(columns(table, extra));
    return (rows as Row<T>[])[0];
  },

  /**
   * Deletes the entry matching `where`; false if none did. A RESTRICT foreign key pointing at it
   * makes it fail (23001; 23503 for NO ACTION). The check is PostgreSQL's own, so a reference
   * being added right now either commits first (and the delete fails) or waits for the delete
   * and then fails its own key check.
   */
  async delete(db: Executor, table: OwnedTable, where: SQL | undefined): Promise<boolean> {
    const rows = await db.delete(table).where(where).returning({ id: table.id });
    return rows.length > 0;
  },

  /**
   * Journeybee's bulk PATCH in one statement, all or nothing: the entries named by `items` that
   * match `where` (the caller's) are locked, and changed only if every one of them is there.
   * Each item changes the fields it carries (`jsonb_populate_record` types them as the table's
   * columns); an item carrying only its id changes nothing. Returns the ids found, so that the
   * caller can name the others (nothing was written then).
   */
  async bulkUpdate<T extends CatalogueTable>(
    db: Executor,
    table: T,
    where: SQL | undefined,
    items: readonly ({ id: number } & Record<string, unknown>)[],
  ): Promise<number[]> {
    const keys = [...new Set(items.flatMap(({ id: _, ...changes }) => Object.keys(changes)))];
    const name = sql.identifier(getTableName(table));
    const assignments = keys.map((key) => {
      const column = sql.identifier(columnOf(table, key).name);
      return sql`${column} = CASE WHEN item.v ? ${key} THEN (item.r).${column} ELSE ${name}.${column} END`;
    });
    const { rows } = await db.execute<{ found: number[] }>(sql`
      WITH item AS (
        SELECT (e.v ->> 'id')::int AS id, e.v - 'id' AS v, jsonb_populate_record(NULL::${name}, e.v) AS r
        FROM jsonb_array_elements(${JSON.stringify(items)}::jsonb) AS e(v)),
      target AS (
        SELECT ${table.id} AS id FROM ${table}
        WHERE ${and(
          where,
          inArray(
            table.id,
            items.map((item) => item.id),
          ),
        )}
        FOR UPDATE),
      changed AS (
        UPDATE ${table} SET ${sql.join(
          [
            ...assignments,
            sql`updated_at = CASE WHEN item.v = '{}'::jsonb THEN ${name}.updated_at ELSE now() END`,
          ],
          sql`, `,
        )}
        FROM item
        WHERE ${table.id} = item.id AND ${table.id} IN (SELECT id FROM target)
          AND (SELECT count(*) FROM target) = ${items.length}
        RETURNING 1)
      SELECT coalesce((SELECT array_agg(id) FROM target), '{}') AS found`);
    return rows[0]?.found ?? [];
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
