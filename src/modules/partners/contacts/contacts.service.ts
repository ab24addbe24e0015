import type { RequestCaller } from '../../../core/auth-context.js';
import { ApiError, notFound } from '../../../core/errors.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db } from '../../../db/database.js';
import { isUniqueViolation } from '../../../db/errors.js';
import * as create from './contacts.create.js';
import { toContact } from './contacts.payload.js';
import { getContact, listContacts } from './contacts.reads.js';
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

/** A partner's contact people, kept by one company per company partnership. */
export class ContactService {
  constructor(private readonly db: Db) {}

  /** GET /v1/contacts/{id}: one statement, the API key's verification included (see readAsCaller). */
  async get(caller: RequestCaller, id: number): Promise<ContactOut> {
    const { found, contact } = await getContact(this.db, caller.source, id);
    await caller.accept(found);
    if (!contact) throw notFound('Contact');
    return contact;
  }

  async list(caller: RequestCaller, q: ListContactsInput & Page) {
    const { found, rows, total } = await listContacts(
      this.db,
      caller.source,
      { partnershipId: q.partnership_id, search: q.search || undefined },
      q,
    );
    await caller.accept(found);
    return { data: rows, meta: pageMeta(total, q.pageSize) };
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
