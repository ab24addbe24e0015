import { and, eq, isNull, type SQL } from 'drizzle-orm';
import type { AuthContext } from '../../core/auth-context.js';
import { ApiError } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import { type Page, pageMeta, pageOffset } from '../../core/pagination.js';
import type { Db, Executor, Tx } from '../../db/database.js';
import { isUniqueViolation, pgConstraint } from '../../db/errors.js';
import { campaigns, companyPartnerships, type PartnerType, tags, users } from '../../db/schema/index.js';
import { catalogueRepository, type OwnedTable } from '../catalogues/index.js';
import type { CustomFieldValueInputItem } from '../custom-field-values/index.js';
import {
  type CheckedValues,
  type CustomFieldTarget,
  checkCustomFieldValues,
  saveCustomFieldValues,
} from '../custom-field-values/index.js';
import { type EventMeta, type NewEvent, recordEvents } from '../events/index.js';
import { leadPayloads } from './leads.payload.js';
import { getLead, listLeads } from './leads.reads.js';
import {
  findLiveLead,
  type LeadInsert,
  type PartnershipForLead,
  leadsRepository as repo,
} from './leads.repository.js';
import {
  type CreatedLeadOut,
  type CreateLeadInput,
  LEAD_MESSAGES,
  type LeadOut,
  type LeadSort,
  type ListLeadsInput,
  NEEDS_CONTACT,
  type PartnershipLeadInput,
  type UpdateLeadInput,
} from './leads.schemas.js';
import { notesForLead } from './notes/lead-notes.repository.js';

type Caller = Pick<AuthContext, 'companyId' | 'userId' | 'keyId'>;
type Path = readonly PropertyKey[];

const notFound = () => new ApiError('not_found', LEAD_MESSAGES.notFound);

/** The unique index behind the duplicate rule (own leads only; a partner's copy is exempt). */
const DUPLICATE_INDEX = 'leads_company_email_live_key';

/** Runs a write; a second live lead with the same email becomes the seed's 409. */
async function duplicateChecked<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err) && pgConstraint(err) === DUPLICATE_INDEX) {
      throw new ApiError('conflict', LEAD_MESSAGES.duplicate);
    }
    throw err;
  }
}

/**
 * Ids a body names that must be rows of `table` matching `where` (the caller's tags, users,
 * partnerships…): each one that is not is a problem at `at(i)`, so another company's id reads
 * exactly like a missing one.
 */
interface IdCheck {
  table: OwnedTable;
  where: SQL | undefined;
  ids: readonly (number | undefined)[] | undefined;
  at: (index: number) => Path;
  what: string;
}

async function checkIds(db: Executor, problems: FieldProblems, ...checks: IdCheck[]): Promise<void> {
  for (const { table, where, ids = [], at, what } of checks) {
    const wanted = ids.filter((id): id is number => id !== undefined);
    if (wanted.length === 0) continue;
    const found = await catalogueRepository.existingIds(db, table, where, wanted);
    ids.forEach((id, i) => {
      if (id !== undefined && !found.has(id)) problems.add(at(i), `${what} ${id}`);
    });
  }
}

const ofCompany = (table: OwnedTable, companyId: number, ...more: (SQL | undefined)[]) =>
  and(eq(table.company_id, companyId), ...more);

const leadTagIds = (companyId: number, ids: number[] | undefined): IdCheck => ({
  table: tags,
  where: ofCompany(tags, companyId, eq(tags.association, 'lead')),
  ids,
  at: (i) => ['tags', i],
  what: 'no lead tag in your company with id',
});

const activeUserIds = (companyId: number, ids: number[] | undefined, path: Path, whose: string): IdCheck => ({
  table: users,
  where: ofCompany(users, companyId, isNull(users.disabled_at)),
  ids,
  at: (i) => [...path, i],
  what: `no active user ${whose} with id`,
});

/** Everything a create needs once its body has passed every check. */
interface CheckedCreate {
  partnership: PartnershipForLead | undefined;
  /** The partner company when the lead is sent to it. */
  copyTo: number | undefined;
  partnerType: PartnerType | null;
  fields: CheckedValues;
  partnerFields: CheckedValues;
}

export interface CreateOptions {
  /** Called in the create's transaction with its response, e.g. to record it for Idempotency-Key. */
  beforeCommit?: ((tx: Tx, response: CreatedLeadOut) => Promise<void>) | undefined;
}

export class LeadService {
  constructor(private readonly db: Db) {}

  // ---- reads ----

  async list(caller: Caller, q: ListLeadsInput & Page) {
    if (q.assigned && q.unassigned) {
      const problems = new FieldProblems('querystring');
      problems.add(['unassigned'], 'cannot be combined with assigned=1');
      problems.throwIfAny();
    }
    const { rows, total } = await listLeads(
      this.db,
      caller.companyId,
      {
        search: q.search,
        statuses: q.status,
        tags: q.tags,
        users: q.users,
        view: q.view,
        assigned: q.assigned,
        unassigned: q.unassigned,
        campaign: q.campaign,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
      },
      { by: q.sort.replace(/^-/, '') as LeadSort, descending: q.sort.startsWith('-') },
      { limit: q.pageSize, offset: pageOffset(q) },
    );
    return { data: rows, meta: pageMeta(total, q.pageSize) };
  }

  async getOrThrow(companyId: number, id: number): Promise<LeadOut> {
    const [lead, notes] = await Promise.all([
      getLead(this.db, companyId, id),
      notesForLead(this.db, companyId, id),
    ]);
    if (!lead) throw notFound();
    return { ...lead, notes };
  }

  // ---- create ----

  /**
   * Creates the lead and, for referral and reseller leads, the partnership lead; with
   * `sendToPartner` also the partner's copy. One transaction holds every row and the
   * `leads.create` events (the caller's, and the partner's for its copy).
   */
  async create(caller: Caller, input: CreateLeadInput, options: CreateOptions = {}): Promise<CreatedLeadOut> {
    const checked = await this.checkCreate(caller.companyId, input);
    const { partnership, copyTo, partnerType } = checked;
    const pl = input.partnershipLead;
    const contact = {
      company_name: input.company_name ?? null,
      email: input.email ?? null,
      phone_number: input.phone_number ?? null,
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
    };
    const common = { ...contact, association_type: input.associationType, partner_type: partnerType };
    const own: LeadInsert = {
      ...common,
      company_id: caller.companyId,
      created_by_user_id: caller.userId,
      source: input.source ?? (input.associationType === 'campaigns' ? 'campaign' : 'partnership'),
      status: input.status ?? 'new',
      campaign_id: input.companyCampaignId ?? null,
      integration_name: input.integrationName ?? null,
      integration_custom_fields: input.integrationCustomFields ?? null,
      powerups: input.powerups ?? null,
      partnership_lead_input: pl ?? null,
      partner_custom_fields: input.partnerCustomFields ?? null,
    };
    // The partner's copy is a lead of the partner company in every respect, with nothing of
    // the sender's own (tags, campaign, integration data): it came in over the partnership.
    const copy: LeadInsert | undefined = copyTo
      ? { ...common, company_id: copyTo, source: 'partnership', status: 'new', origin: 'received' }
      : undefined;

    return duplicateChecked(
      this.db.transaction(async (tx) => {
        const inserted = await repo.insert(tx, copy ? [own, copy] : [own]);
        const mine = inserted.find((row) => row.company_id === caller.companyId)!;
        const theirs = inserted.find((row) => row.company_id === copyTo);
        await repo.addTags(
          tx,
          (input.tags ?? []).map((tag_id) => ({ lead_id: mine.id, tag_id })),
        );
        await saveCustomFieldValues(
          tx,
          this.leadTarget(caller.companyId, partnerType),
          mine.id,
          checked.fields,
        );
        await repo.addAttributions(
          tx,
          (input.attributions ?? []).map((a, i) => ({
            lead_id: mine.id,
            company_partnership_id: a.id,
            attributed_date: a.attributedDate,
            series: i + 1,
          })),
        );
        if (theirs && copyTo) {
          await repo.addUsers(
            tx,
            (pl?.partnerUsers ?? []).map((user_id) => ({ lead_id: theirs.id, user_id })),
          );
          await saveCustomFieldValues(
            tx,
            this.leadTarget(copyTo, partnerType),
            theirs.id,
            checked.partnerFields,
          );
        }
        const partnershipLeadId = partnership
          ? await repo.insertPartnershipLead(tx, {
              partnership_id: partnership.id,
              partner_type: partnership.partner_type,
              sent_by_company_id: caller.companyId,
              received_by_company_id: partnership.partner_company_id,
              sent_by_user_id: caller.userId,
              sender_lead_id: mine.id,
              receiver_lead_id: theirs?.id ?? null,
            })
          : null;
        await this.recordLeadEvents(tx, 'leads.create', [
          { id: mine.id, apiKeyId: caller.keyId, actorUserId: caller.userId },
          ...(theirs ? [{ id: theirs.id, apiKeyId: null }] : []),
        ]);
        const response = { id: mine.id, uuid: mine.uuid, partnershipLeadId };
        await options.beforeCommit?.(tx, response);
        return response;
      }),
    );
  }

  private leadTarget(companyId: number, partnerType: PartnerType | null): CustomFieldTarget {
    return { companyId, category: 'lead', partnerType };
  }

  /** The engine's checks of `[{customFieldId, type, value}]` at `field`; `entityId` on update. */
  private checkValues(
    field: 'customFields' | 'partnerCustomFields',
    target: CustomFieldTarget,
    input: CustomFieldValueInputItem[] | undefined,
    problems: FieldProblems,
    entityId?: number,
  ): Promise<CheckedValues> {
    return checkCustomFieldValues(this.db, target, input ?? [], { path: [field], problems, entityId });
  }

  /** Every check of a create body, all problems reported in one 400 (the seed's message). */
  private async checkCreate(companyId: number, input: CreateLeadInput): Promise<CheckedCreate> {
    const db = this.db;
    const problems = new FieldProblems();
    const pl = input.partnershipLead;
    let partnership: PartnershipForLead | undefined;
    if (input.associationType === 'campaigns') {
      if (pl) problems.add(['partnershipLead'], 'applies to referral and reseller leads only');
      if (input.companyCampaignId === undefined)
        problems.add(['companyCampaignId'], 'is required for campaign leads');
    } else if (!pl) {
      problems.add(['partnershipLead'], `is required for ${input.associationType} leads`);
    } else {
      partnership = await this.checkPartnership(companyId, input.associationType, pl, problems);
    }
    await checkIds(
      db,
      problems,
      {
        table: campaigns,
        where: ofCompany(campaigns, companyId),
        ids: [input.companyCampaignId],
        at: () => ['companyCampaignId'],
        what: 'no campaign in your company with id',
      },
      leadTagIds(companyId, input.tags),
      {
        table: companyPartnerships,
        where: ofCompany(companyPartnerships, companyId),
        ids: input.attributions?.map((a) => a.id),
        at: (i) => ['attributions', i, 'id'],
        what: 'no company partnership of yours with id',
      },
    );
    const partnerType = input.associationType === 'campaigns' ? null : input.associationType;
    const fields = await this.checkValues(
      'customFields',
      this.leadTarget(companyId, partnerType),
      input.customFields,
      problems,
    );

    // The partner's copy: its users and custom values are the partner company's.
    const send = pl?.sendToPartner === true;
    const copyTo = send ? partnership?.partner_company_id : undefined;
    let partnerFields: CheckedValues = { set: [], clear: [] };
    if (!send) {
      if (pl?.partnerUsers?.length)
        problems.add(['partnershipLead', 'partnerUsers'], 'applies only with sendToPartner: true');
      if (input.partnerCustomFields?.length)
        problems.add(['partnerCustomFields'], 'applies only with partnershipLead.sendToPartner: true');
    } else if (copyTo) {
      await checkIds(
        db,
        problems,
        activeUserIds(
          copyTo,
          pl?.partnerUsers,
          ['partnershipLead', 'partnerUsers'],
          'of the partner company',
        ),
      );
      const theirs = { ...this.leadTarget(copyTo, partnerType), owner: "the partner's company" };
      partnerFields = await this.checkValues(
        'partnerCustomFields',
        theirs,
        input.partnerCustomFields,
        problems,
      );
    }
    problems.throwIfAny(LEAD_MESSAGES.invalidValues);
    return { partnership, copyTo, partnerType, fields, partnerFields };
  }

  /**
   * The accepted partnership of the association's type the lead goes through; the ids the
   * body repeats about it (`company_partnerships_id`, `partners_company_id`) must match it, and
   * `sentBy.userId` must be one of the caller's users.
   */
  private async checkPartnership(
    companyId: number,
    type: PartnerType,
    pl: PartnershipLeadInput,
    problems: FieldProblems,
  ): Promise<PartnershipForLead | undefined> {
    const at = (key: string): Path => ['partnershipLead', key];
    await checkIds(this.db, problems, {
      table: users,
      where: ofCompany(users, companyId),
      ids: [pl.sentBy?.userId],
      at: () => ['partnershipLead', 'sentBy', 'userId'],
      what: 'no user in your company with id',
    });
    const found = await repo.partnership(this.db, companyId, pl.partnership_id);
    if (!found || found.status !== 'accepted' || found.partner_type !== type) {
      problems.add(
        at('partnership_id'),
        `no accepted ${type} partnership of your company with id ${pl.partnership_id}`,
      );
      return undefined;
    }
    if (pl.company_partnerships_id !== undefined && pl.company_partnerships_id !== found.side_id) {
      problems.add(
        at('company_partnerships_id'),
        `must be your company partnership ${found.side_id} of partnership ${found.id}`,
      );
    }
    if (pl.partners_company_id !== undefined && pl.partners_company_id !== found.partner_company_id) {
      problems.add(
        at('partners_company_id'),
        `must be the partner company ${found.partner_company_id} of partnership ${found.id}`,
      );
    }
    return found;
  }

  // ---- update / delete ----

  /** PATCH: only what is sent changes; tags and assigned users are replaced, custom fields upserted. */
  async update(caller: Caller, id: number, input: UpdateLeadInput) {
    const { companyId } = caller;
    const lead = await findLiveLead(this.db, companyId, id);
    if (!lead) throw notFound();
    const problems = new FieldProblems();
    const email = input.email === undefined ? lead.email : input.email;
    const companyName = input.company_name === undefined ? lead.company_name : input.company_name;
    if (!email && !companyName) {
      for (const key of ['email', 'company_name'] as const) {
        if (input[key] !== undefined) problems.add([key], NEEDS_CONTACT);
      }
    }
    await checkIds(
      this.db,
      problems,
      activeUserIds(companyId, input.assignedUsers, ['assignedUsers'], 'in your company'),
      leadTagIds(companyId, input.tags),
    );
    const target = this.leadTarget(companyId, lead.partner_type);
    const fields =
      input.customFields &&
      (await this.checkValues('customFields', target, input.customFields, problems, id));
    problems.throwIfAny();

    const { assignedUsers, tags: tagIds, customFields: _, ...columns } = input;
    return duplicateChecked(
      this.db.transaction(async (tx) => {
        const updated = await repo.update(tx, companyId, id, columns);
        if (!updated) throw notFound(); // deleted meanwhile
        if (tagIds) await repo.setTags(tx, id, tagIds);
        // The users newly assigned are notified (internal meta, not part of the webhook payload).
        const added = assignedUsers && (await repo.setUsers(tx, id, assignedUsers));
        if (fields) await saveCustomFieldValues(tx, target, id, fields);
        const meta = added && { notifyUserIds: added };
        await this.recordLeadEvents(tx, 'leads.update', [
          { id, apiKeyId: caller.keyId, actorUserId: caller.userId, meta },
        ]);
        return updated;
      }),
    );
  }

  /** Soft delete: the lead leaves every read and frees its email; its rows stay for history. */
  async remove(caller: Caller, id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await repo.softDelete(tx, caller.companyId, id))) {
        throw new ApiError('not_found', LEAD_MESSAGES.alreadyDeleted);
      }
      await this.recordLeadEvents(tx, 'leads.delete', [{ id, apiKeyId: caller.keyId }]);
    });
  }

  /** One event per lead, to the lead's own company, with its webhook payload as it is now. */
  private async recordLeadEvents(
    tx: Tx,
    type: NewEvent['type'],
    list: {
      id: number;
      apiKeyId: number | null;
      actorUserId?: number | null;
      meta?: EventMeta | undefined;
    }[],
  ): Promise<void> {
    const payloads = await leadPayloads(
      tx,
      list.map((e) => e.id),
    );
    await recordEvents(
      tx,
      list.map(({ id, apiKeyId, actorUserId, meta }) => {
        const { companyId, lead } = payloads.get(id)!;
        return { companyId, type, payload: { lead }, apiKeyId, actorUserId, meta };
      }),
    );
  }
}
