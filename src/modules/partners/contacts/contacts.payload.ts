import { type SQL, sql } from 'drizzle-orm';
import { isoText } from '../../../db/statement.js';
import type { TagRef } from '../partners.schemas.js';
import { TAG_ORDER, tagJson } from '../partners.sides.js';
import type { ContactOut } from './contacts.schemas.js';

// A contact as the API shows it and as `partners.contact_*` events carry it (`{contact}`), built
// in SQL: by a write from the row it wrote, by a read from the tables. Timestamps are ISO strings.

export type ContactJson = Omit<ContactOut, 'created_at' | 'updated_at'> & {
  created_at: string;
  updated_at: string;
};

/**
 * The contact row `c` as a `ContactJson`: `companyName` is the partner company's name, `tags`
 * a JSON array of its tags in list order (both from the facts, or expressions of the write).
 */
export const contactJson = (c: SQL, companyName: SQL, tags: SQL) =>
  sql`jsonb_build_object('id', ${c}.id, 'uuid', ${c}.uuid, 'email', ${c}.email, 'first_name', ${c}.first_name,
    'last_name', ${c}.last_name, 'position', ${c}.position, 'phone_number', ${c}.phone_number,
    'company_name', ${companyName}, 'partnership_id', ${c}.company_partnership_id, 'tags', ${tags},
    'created_at', ${isoText(sql`${c}.created_at`)}, 'updated_at', ${isoText(sql`${c}.updated_at`)})`;

/** The stored tags of contact `contactId`, in list order (a JSON array). */
export const storedTagsJson = (contactId: SQL) =>
  sql`(SELECT coalesce(jsonb_agg(${tagJson(sql`tg`)} ORDER BY ${TAG_ORDER(sql`tg`)}), '[]')
    FROM contact_tags ct JOIN tags tg ON tg.id = ct.tag_id WHERE ct.contact_id = ${contactId})`;

export const tagsParam = (tags: TagRef[]) => sql`${JSON.stringify(tags)}::jsonb`;

export const toContact = (c: ContactJson): ContactOut => ({
  ...c,
  created_at: new Date(c.created_at),
  updated_at: new Date(c.updated_at),
});
