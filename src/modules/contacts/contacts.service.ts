import type { Db } from '../../db/database.js';
import { isUniqueViolation } from '../../db/errors.js';
import { ApiError, notFound } from '../../http/errors.js';
import { FieldProblems } from '../../http/field-problems.js';
import { type Page, pageMeta } from '../../http/pagination.js';
import { checkPartnerTags } from '../partners/partners.references.js';
import { partnersRepository } from '../partners/partners.repository.js';
import { contactsRepository as repo } from './contacts.repository.js';
import type {
  ContactOut,
  CreateContactInput,
  ListContactsInput,
  UpdateContactInput,
} from './contacts.schemas.js';

const duplicateEmail = (email: string) =>
  new ApiError('conflict', `A contact with email '${email}' already exists for this partner`);

type ContactJoined = NonNullable<Awaited<ReturnType<typeof repo.byId>>>;

/** A partner's contact people, kept by one company per company partnership. */
export class ContactService {
  constructor(private readonly db: Db) {}

  private async toContacts(rows: ContactJoined[]): Promise<ContactOut[]> {
    const tags = await repo.tagsFor(
      this.db,
      rows.map((r) => r.contact.id),
    );
    return rows.map(({ contact, company_name }) => ({
      ...contact,
      company_name,
      partnership_id: contact.company_partnership_id,
      tags: tags.get(contact.id) ?? [],
    }));
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

  async create(companyId: number, input: CreateContactInput): Promise<ContactOut> {
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
        return row!.id;
      }),
    );
    return this.getOrThrow(companyId, id);
  }

  async update(companyId: number, id: number, input: UpdateContactInput): Promise<ContactOut> {
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
