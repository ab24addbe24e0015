import { z } from 'zod';
import type { AuthContext } from '../../../core/auth-context.js';
import { ApiError, notFound } from '../../../core/errors.js';
import { type Page, pageMeta } from '../../../core/pagination.js';
import type { Db, Executor, Tx } from '../../../db/database.js';
import { isUniqueViolation } from '../../../db/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { hashToken, looksLikeToken, newToken } from '../../../lib/tokens.js';
import { companiesRepository } from '../../companies/index.js';
import { recordEvents } from '../../events/index.js';
import { User, usersRepository } from '../../users/index.js';
import type { AccountMail } from '../account-mail.js';
import type { AccountService, OpenedSession } from '../accounts.service.js';
import { hashPassword } from '../passwords.js';
import {
  type InvitationListRow,
  type InvitationRow,
  invitationsRepository as repo,
} from './invitations.repository.js';
import type {
  AcceptInvitationInput,
  CreateInvitationInput,
  InvitationOut,
  ListInvitationsInput,
} from './invitations.schemas.js';

const VALIDITY_MS = 7 * 24 * 3600 * 1000;

export const INVITATION_MESSAGES = {
  invalid: 'This invitation link is invalid, used, revoked or expired',
  alreadyMember: (email: string) => `${email} already has an active account in your company`,
  alreadyActive: 'This account is already active: log in instead',
  alreadyAccepted: 'This invitation was accepted: it can no longer be revoked',
  mailFailed:
    'Could not send the invitation e-mail (the mail server refused it or is unreachable); nothing was created',
} as const;

export function toInvitation(row: InvitationListRow, inviteUrl?: string): InvitationOut {
  return {
    id: row.id,
    uuid: row.uuid,
    email: row.email,
    role: row.role,
    kind: row.kind,
    invited_by:
      row.invited_by_user_id !== null && row.inviter_email !== null
        ? { id: row.invited_by_user_id, email: row.inviter_email }
        : null,
    expires_at: row.expires_at,
    accepted_at: row.accepted_at,
    revoked_at: row.revoked_at,
    created_at: row.created_at,
    ...(inviteUrl === undefined ? {} : { invite_url: inviteUrl }),
  };
}

/** What POST /v1/partners reports of each partner contact it invited. */
export interface PartnerInvitationOut {
  email: string;
  invite_url?: string;
}

interface IssuedPartnerInvitation {
  email: string;
  token: string;
}

export class InvitationService {
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountService,
    private readonly mail: AccountMail,
    private readonly logger: Logger,
  ) {}

  private async issue(
    db: Executor,
    values: Omit<
      InvitationRow,
      'id' | 'uuid' | 'token_hash' | 'expires_at' | 'accepted_at' | 'revoked_at' | 'created_at'
    >,
  ) {
    const token = newToken();
    const row = await repo.insert(db, {
      ...values,
      token_hash: hashToken(token),
      expires_at: new Date(Date.now() + VALIDITY_MS),
    });
    return { row, token };
  }

  /** An admin invites a teammate: a new link replaces the email's earlier pending ones. */
  async create(auth: AuthContext, input: CreateInvitationInput): Promise<InvitationOut> {
    const { companyId } = auth;
    const existing = await repo.userByEmail(this.db, companyId, input.email);
    if (existing?.password_hash && !existing.disabled_at) {
      throw new ApiError('conflict', INVITATION_MESSAGES.alreadyMember(input.email));
    }
    const { row, token } = await this.db.transaction(async (tx) => {
      await repo.revokePendingFor(tx, companyId, input.email);
      return this.issue(tx, {
        company_id: companyId,
        kind: 'team',
        email: input.email,
        role: input.role,
        user_id: existing?.id ?? null,
        partnership_id: null,
        invited_by_user_id: auth.userId,
      });
    });
    const url = this.mail.inviteUrl(token);
    if (this.mail.sends) {
      const [company, inviter] = await Promise.all([
        companiesRepository.findById(this.db, companyId),
        auth.userId === null ? undefined : usersRepository.findById(this.db, companyId, auth.userId),
      ]);
      try {
        await this.mail.sendInvitation({
          to: input.email,
          url,
          companyName: company?.name ?? 'your company',
          inviterName: inviter
            ? [inviter.first_name, inviter.last_name].filter(Boolean).join(' ') || inviter.email
            : undefined,
        });
      } catch (err) {
        await repo.revoke(this.db, row.id);
        this.logger.warn(
          { err: { code: (err as { code?: string }).code } },
          'could not send an invitation e-mail',
        );
        throw new ApiError('unavailable', INVITATION_MESSAGES.mailFailed);
      }
    }
    const listed = await repo.findOne(this.db, companyId, row.id);
    return toInvitation(listed!, this.mail.sends ? undefined : url);
  }

  async list(companyId: number, q: ListInvitationsInput & Page) {
    const { rows, total } = await repo.page(this.db, companyId, q.status, q);
    return { data: rows.map((r) => toInvitation(r)), meta: pageMeta(total, q.pageSize) };
  }

  /** Revokes: the link stops working at once. Revoking twice is fine; an accepted one is a 409. */
  async revoke(companyId: number, id: number): Promise<void> {
    const row = await repo.findOne(this.db, companyId, id);
    if (!row) throw notFound('Invitation');
    if (row.accepted_at) throw new ApiError('conflict', INVITATION_MESSAGES.alreadyAccepted);
    await repo.revoke(this.db, id);
  }

  /** What the invitation page shows before the person sets a password. */
  async preview(token: string) {
    const found = looksLikeToken(token) ? await repo.pendingByHash(this.db, hashToken(token)) : undefined;
    if (!found) throw new ApiError('not_found', INVITATION_MESSAGES.invalid);
    const partner =
      found.kind === 'partner' && found.partnerCompany ? { partner_company: found.partnerCompany } : {};
    return {
      email: found.email,
      company: { id: found.company_id, name: found.company_name },
      role: found.role,
      kind: found.kind,
      expires_at: found.expires_at,
      ...partner,
    };
  }

  /**
   * Sets the person's password (creating the teammate's user, or activating the one made for
   * them), applies the invitation's role, uses the link up and logs them in, in one transaction.
   */
  async accept(token: string, input: AcceptInvitationInput): Promise<OpenedSession> {
    const invalid = () => new ApiError('not_found', INVITATION_MESSAGES.invalid);
    if (!looksLikeToken(token)) throw invalid();
    const hash = await hashPassword(input.password);
    try {
      return await this.db.transaction(async (tx) => {
        const inv = await repo.takePending(tx, hashToken(token));
        if (!inv) throw invalid();
        const existing = inv.user_id
          ? await usersRepository.findById(tx, inv.company_id, inv.user_id)
          : await repo.userByEmail(tx, inv.company_id, inv.email);
        if (inv.user_id && !existing) throw invalid(); // the user was removed meanwhile
        if (existing?.password_hash && !existing.disabled_at) {
          throw new ApiError('conflict', INVITATION_MESSAGES.alreadyActive);
        }
        const names = {
          ...(input.first_name !== undefined ? { first_name: input.first_name } : {}),
          ...(input.last_name !== undefined ? { last_name: input.last_name } : {}),
        };
        const user = existing
          ? await usersRepository.update(tx, inv.company_id, existing.id, {
              ...names,
              role: inv.role,
              password_hash: hash,
              disabled_at: null,
            })
          : await this.insertUser(tx, inv, hash, names);
        if (!user) throw invalid();
        await repo.markAccepted(tx, inv.id, user.id);
        await repo.revokePendingFor(tx, inv.company_id, inv.email);
        return this.accounts.open(tx, user);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError('conflict', INVITATION_MESSAGES.alreadyActive);
      throw err;
    }
  }

  private async insertUser(
    tx: Tx,
    inv: InvitationRow,
    hash: string,
    names: { first_name?: string; last_name?: string | null },
  ) {
    const user = await usersRepository.insert(tx, {
      company_id: inv.company_id,
      email: inv.email,
      role: inv.role,
      password_hash: hash,
      ...names,
    });
    await recordEvents(tx, [
      {
        companyId: inv.company_id,
        type: 'users.create',
        apiKeyId: null,
        payload: { user: z.encode(User, user) },
      },
    ]);
    return user;
  }

  /**
   * Partner invitations for the users of a partner company that POST /v1/partners just created,
   * in its transaction. Deliver them with `deliverPartnerInvitations` once it has committed.
   */
  async issuePartnerInvitations(
    tx: Tx,
    input: {
      partnershipId: number;
      invitedBy: number | null;
      users: { id: number; company_id: number; email: string; role: 'admin' | 'partnerships' }[];
    },
  ): Promise<IssuedPartnerInvitation[]> {
    const issued: IssuedPartnerInvitation[] = [];
    for (const user of input.users) {
      const { token } = await this.issue(tx, {
        company_id: user.company_id,
        kind: 'partner',
        email: user.email,
        role: user.role,
        user_id: user.id,
        partnership_id: input.partnershipId,
        invited_by_user_id: input.invitedBy,
      });
      issued.push({ email: user.email, token });
    }
    return issued;
  }

  /** E-mails the links (a failed send is logged, the partnership stands), or returns them. */
  async deliverPartnerInvitations(
    issued: IssuedPartnerInvitation[],
    names: { partnerCompanyName: string; invitingCompanyName: string },
  ): Promise<PartnerInvitationOut[]> {
    const out: PartnerInvitationOut[] = [];
    for (const { email, token } of issued) {
      const url = this.mail.inviteUrl(token);
      if (!this.mail.sends) {
        out.push({ email, invite_url: url });
        continue;
      }
      try {
        await this.mail.sendInvitation({
          to: email,
          url,
          companyName: names.partnerCompanyName,
          partnerCompanyName: names.invitingCompanyName,
        });
      } catch (err) {
        this.logger.warn(
          { err: { code: (err as { code?: string }).code } },
          'could not send a partner invitation e-mail',
        );
      }
      out.push({ email });
    }
    return out;
  }
}
