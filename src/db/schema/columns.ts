import { integer, timestamp, uuid } from 'drizzle-orm/pg-core';

// Columns every resource has: an integer id, a public uuid, and UTC timestamps.
export const id = () => integer('id').primaryKey().generatedAlwaysAsIdentity();
export const publicUuid = () => uuid('uuid').notNull().unique().defaultRandom();
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
export const timestamps = () => ({
  created_at: tstz('created_at').notNull().defaultNow(),
  updated_at: tstz('updated_at').notNull().defaultNow(),
});
