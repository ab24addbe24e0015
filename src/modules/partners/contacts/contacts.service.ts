import { ApiError, notFound } from '../../../core/errors.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db, Executor } from '../../../db/database.js';
import { isUniqueViolation } from '../../../db/errors.js';
import * as create from './contacts.create.js';
import { toContact } from './contacts.payload.js';
import { contactsRepository as repo } from './contacts.repository.js';
import type {
  ContactOut,
  CreateContactInput,
  ListContactsInput,
  UpdateContactInput,
} from './contacts.schemas.js';
import * as update from './contacts.update.js';

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
    const plan = create.rules(await create.facts(this.db, companyId, input), companyId, input, apiKeyId);
    return toContact(await this.withDuplicateCheck(input.email, () => create.write(this.db, plan)));
  }

  async update(
    companyId: number,
    id: number,
    input: UpdateContactInput,
    apiKeyId: number | null = null,
  ): Promise<ContactOut> {
    const facts = await update.facts(this.db, companyId, id, input);
    const plan = update.rules(facts, companyId, id, input, apiKeyId);
    const written = await this.withDuplicateCheck(input.email ?? '', () => update.write(this.db, plan));
    if (!written) throw notFound('Contact'); // deleted meanwhile
    return toContact(written);
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
