import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../db/database.js';
import { contacts } from '../../../db/schema/index.js';

export const contactsRepository = {
  async remove(db: Executor, companyId: number, id: number): Promise<boolean> {
    const rows = await db
      .delete(contacts)
      .where(and(eq(contacts.id, id), eq(contacts.company_id, companyId)))
      .returning({ id: contacts.id });
    return rows.length > 0;
  },
};
