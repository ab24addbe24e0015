import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { ADDRESSABLE_TABLES, type AddressableTable, pathIdTables } from '../core/path-ids.js';
import type { Db } from '../db/database.js';
import {
  apiKeys,
  campaigns,
  categories,
  companyPartnerships,
  contacts,
  countries,
  currencies,
  customFields,
  dealNotes,
  dealPayments,
  deals,
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

// The uuid half of path ids (src/core/path-ids.ts): a uuid in a path becomes its object's id.

/** The table behind each addressable name (src/core/path-ids.ts lists them with their id types). */
const ADDRESSABLE = {
  api_keys: apiKeys,
  campaigns,
  categories,
  company_partnerships: companyPartnerships,
  contacts,
  countries,
  currencies,
  custom_fields: customFields,
  deal_notes: dealNotes,
  deal_payments: dealPayments,
  deals,
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
} as const satisfies Record<AddressableTable, unknown>;

// The id types core declares are the columns' (a wrong width would 404 valid ids or pass huge ones).
for (const [name, table] of Object.entries(ADDRESSABLE)) {
  const declared = ADDRESSABLE_TABLES[name as AddressableTable] === 'bigint' ? 'PgBigInt53' : 'PgInteger';
  if (table.id.columnType !== declared) throw new Error(`path ids: ${name}.id is ${table.id.columnType}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
