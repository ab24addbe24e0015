import { z } from 'zod';

// Ids in paths (API.md §1 "ids in paths"): `{id}` is a positive decimal written canonically
// (`7`, not `007`, `+7`, ` 7`, `0x7`, `7.0` or `1e1`) within its column's range, or the object's
// uuid; anything else is a 404, exactly like an id no object has.
//
// Each route names what its path ids address: `params: idParam('leads')`, or
// `idParams({ id: 'leads', noteId: 'lead_notes' })`. Before validation a uuid is turned into its
// object's id with one indexed query; tenancy stays with the service, so another company's
// object is the same 404 whether it is asked for by id or by uuid. A form that names no object
// becomes NO_SUCH_ID, so the service answers its own 404 for it: "not canonical", "too large",
// "unknown uuid" and "no such id" cannot be told apart.

/** Every table a path id may address, by its SQL name, with its id column's type. */
export const ADDRESSABLE_TABLES = {
  api_keys: 'integer',
  campaigns: 'integer',
  categories: 'integer',
  company_partnerships: 'integer',
  contacts: 'integer',
  countries: 'integer',
  currencies: 'integer',
  custom_fields: 'integer',
  deal_notes: 'integer',
  deal_payments: 'integer',
  deals: 'integer',
  invitations: 'integer',
  lead_notes: 'integer',
  leads: 'integer',
  notifications: 'bigint',
  stages: 'integer',
  tags: 'integer',
  tiers: 'integer',
  users: 'integer',
  webhook_deliveries: 'bigint',
  webhook_endpoints: 'integer',
} as const;

export type AddressableTable = keyof typeof ADDRESSABLE_TABLES;

/** Marks a path id's schema, so the OpenAPI document can show it as an integer or a uuid. */
export const PATH_ID_MARK = 'x-path-id';

/** What a path id that names no object becomes: identity ids start at 1, so no row has it. */
export const NO_SUCH_ID = 0;

const MAX_INT4 = 2_147_483_647;
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;

/** The largest id the table's id column can hold (bigint ids: the largest safe JS integer). */
export function maxIdOf(table: AddressableTable): number {
  return ADDRESSABLE_TABLES[table] === 'bigint' ? Number.MAX_SAFE_INTEGER : MAX_INT4;
}

const pathId = (table: AddressableTable) => {
  const max = maxIdOf(table);
  return z
    .string()
    .transform((raw) => (CANONICAL_ID.test(raw) && Number(raw) <= max ? Number(raw) : NO_SUCH_ID))
    .meta({
      description: "The object's `id` (a positive integer, written canonically) or its `uuid`",
      [PATH_ID_MARK]: true,
    });
};

/** The tables each params schema made by idParams() addresses, by parameter name. */
const declared = new WeakMap<object, Readonly<Record<string, AddressableTable>>>();

/** Path params that are ids, each naming the table it addresses: `{ id: 'leads', noteId: 'lead_notes' }`. */
export function idParams<const K extends string>(tables: Record<K, AddressableTable>) {
  const shape = Object.fromEntries(
    Object.entries<AddressableTable>(tables).map(([name, table]) => [name, pathId(table)]),
  ) as Record<K, ReturnType<typeof pathId>>;
  const schema = z.object(shape);
  declared.set(schema, Object.freeze({ ...tables }));
  return schema;
}

/** The common case: one `:id` parameter. */
export const idParam = (table: AddressableTable) => idParams({ id: table });

/** The tables a route's params schema addresses, when it was made by idParams(). */
export const pathIdTables = (
  paramsSchema: unknown,
): Readonly<Record<string, AddressableTable>> | undefined =>
  typeof paramsSchema === 'object' && paramsSchema !== null ? declared.get(paramsSchema) : undefined;
