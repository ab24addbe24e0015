import { z } from 'zod';
import { ApiError, notFound } from '../../../core/errors.js';
import { FieldProblems } from '../../../core/field-problems.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db, Executor } from '../../../db/database.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { type NewEvent, recordEvents } from '../../events/index.js';
import { checkPartnerTags } from '../partners.references.js';
import { partnersRepository } from '../partners.repository.js';
import { contactsRepository as repo } from './contacts.repository.js';
import {
  Contact,
  type ContactOut,
  type CreateContactInput,
  type ListContactsInput,
  type UpdateContactInput,
} from './contacts.schemas.js';

const duplicateEmail = (email: string) =>
  new ApiError('conflict', `A contact with email '${email}' already exists for this partner`);

type ContactJoined = NonNullable<Awaited<ReturnType<typeof repo.byId>>>;

async function toContacts(db: Executor, rows: ContactJoined[]): Promise<ContactOut[]> {
  const tags = await repo.tagsFor(
    db,
    rows.map((r) => r.contact.id),
  );
  return rows.map(({ contact, company_name }) => ({
    ...contact,
    company_name,
    partnership_id: contact.company_partnership_id,
    tags: tags.get(contact.id) ?? [],
  }));
}

/**
 * Records `partners.contact_create` / `partners.contact_update` for contacts of the company, read
 * in the writing transaction. The payload is `{contact}`: the contact as the API returns it.
 */
export async function recordContactEvents(
  tx: Executor,
  type: 'partners.contact_create' | 'partners.contact_update',
  companyId: number,
  ids: number[],
  apiKeyId: number | null,
): Promise<void> {
  const contacts = await toContacts(tx, await repo.byIds(tx, companyId, ids));
  await recordEvents(
    tx,
    contacts.map(
      (c): NewEvent => ({ companyId, type, apiKeyId, payload: { contact: z.encode(Contact, c) } }),
    ),
  );
}

/** A partner's contact people, kept by one company per company partnership. */
export class ContactService {
  constructor(private readonly db: Db) {}

  private toContacts(rows: ContactJoined[]): Promise<ContactOut[]> {
    return toContacts(this.db, rows);
  }

  async getOrThrow(companyId: number, id: number): Promise<ContactOut> {
    const row = await repo.byId(this.db, companyId, id);
    if (!row) throw notFound('Contact');
    const [contact] = await this.toContacts([row]);
    return contact!;
  }

  async list(companyId: number, q: ListContactsInput & Page) {
    const { rows, total } = await repo.list(
      this.db,
      companyId,
      { partnershipId: q.partnership_id, search: q.search || undefined },
      q,
    );
    return { data: await this.toContacts(rows), meta: pageMeta(total, q.pageSize) };
  }

  async create(
    companyId: number,
    input: CreateContactInput,
    apiKeyId: number | null = null,
  ): Promise<ContactOut> {
    const { partnership_id, tags, ...fields } = input;
    const problems = new FieldProblems();
    const side = await partnersRepository.side(this.db, companyId, partnership_id);
    if (!side) problems.add(['partnership_id'], `no partner with id ${partnership_id} in your company`);
    else {
      const partnerType = side.partnership.partner_type;
      await checkPartnerTags(this.db, companyId, partnerType, [{ path: ['tags'], ids: tags }], problems);
    }
    problems.throwIfAny();
    const id = await this.withDuplicateCheck(input.email, () =>
      this.db.transaction(async (tx) => {
        const [row] = await repo.insert(tx, [
          { ...fields, company_id: companyId, company_partnership_id: partnership_id },
        ]);
        await repo.addTags(
          tx,
          (tags ?? []).map((tag_id) => ({ contact_id: row!.id, tag_id })),
        );
        await recordContactEvents(tx, 'partners.contact_create', companyId, [row!.id], apiKeyId);
        return row!.id;
      }),
    );
    return this.getOrThrow(companyId, id);
  }

  async update(
    companyId: number,
    id: number,
    input: UpdateContactInput,
    apiKeyId: number | null = null,
  ): Promise<ContactOut> {
    const { tags, ...fields } = input;
    const current = await repo.byId(this.db, companyId, id);
    if (!current) throw notFound('Contact');
    if (tags) {
      const side = await partnersRepository.side(this.db, companyId, current.contact.company_partnership_id);
      const problems = new FieldProblems();
      await checkPartnerTags(
        this.db,
        companyId,
        side!.partnership.partner_type,
        [{ path: ['tags'], ids: tags }],
        problems,
      );
      problems.throwIfAny();
    }
    await this.withDuplicateCheck(input.email ?? '', () =>
      this.db.transaction(async (tx) => {
        await repo.update(tx, companyId, id, fields);
        if (tags) await repo.setTags(tx, id, tags);
        await recordContactEvents(tx, 'partners.contact_update', companyId, [id], apiKeyId);
      }),
    );
    return this.getOrThrow(companyId, id);
  }

  async remove(companyId: number, id: number): Promise<void> {
    if (!(await repo.remove(this.db, companyId, id))) throw notFound('Contact');
  }

  private async withDuplicateCheck<T>(email: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateEmail(email);
      throw err;
    }
  }
}
