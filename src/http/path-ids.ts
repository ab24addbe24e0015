import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import {
  apiKeys,
  campaigns,
  categories,
  companyPartnerships,
  contacts,
  countries,
  customFields,
  invitations,
  leadNotes,
  leads,
  notifications,
  stages,
  tags,
  tiers,
  users,
  webhookDeliveries,
  webhookEndpoints,
} from '../db/schema/index.js';

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

/** Every table a path id may address, by its SQL name. */
const ADDRESSABLE = {
  api_keys: apiKeys,
  campaigns,
  categories,
  company_partnerships: companyPartnerships,
  contacts,
  countries,
  custom_fields: customFields,
  invitations,
  lead_notes: leadNotes,
  leads,
  notifications,
  stages,
  tags,
  tiers,
  users,
  webhook_deliveries: webhookDeliveries,
  webhook_endpoints: webhookEndpoints,
} as const;

export type AddressableTable = keyof typeof ADDRESSABLE;

/** Marks a path id's schema, so the OpenAPI document can show it as an integer or a uuid. */
export const PATH_ID_MARK = 'x-path-id';

/** What a path id that names no object becomes: identity ids start at 1, so no row has it. */
export const NO_SUCH_ID = 0;

const MAX_INT4 = 2_147_483_647;
const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The largest id the table's id column can hold (bigint ids: the largest safe JS integer). */
export function maxIdOf(table: AddressableTable): number {
  return ADDRESSABLE[table].id.columnType === 'PgBigInt53' ? Number.MAX_SAFE_INTEGER : MAX_INT4;
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

/**
 * A preValidation hook: each path id sent as a uuid is replaced by its object's id. An unknown
 * uuid is left as it is, which the schema then turns into NO_SUCH_ID.
 */
export function resolvePathUuids(db: Db) {
  return async function resolvePathUuidsHook(request: FastifyRequest): Promise<void> {
    const tables = pathIdTables(request.routeOptions.schema?.params);
    if (!tables) return;
    const params = request.params as Record<string, unknown>;
    for (const [name, tableName] of Object.entries(tables)) {
      const value = params[name];
      if (typeof value !== 'string' || !UUID.test(value)) continue;
      const table = ADDRESSABLE[tableName];
      const [row] = await db
        .select({ id: table.id })
        .from(table)
        .where(eq(table.uuid, value.toLowerCase()))
        .limit(1);
      if (row) params[name] = String(row.id);
    }
  };
}
