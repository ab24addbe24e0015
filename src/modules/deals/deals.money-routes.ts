import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RequestCaller } from '../../core/auth-context.js';
import { errorBody, idParams, readErrors, writeErrors } from '../../core/schemas.js';
import type { Db } from '../../db/database.js';
import * as commission from './deals.commission.js';
import * as payments from './deals.payments.js';
import {
  Commission,
  type CommissionOut,
  Payment,
  type PaymentOut,
  PutCommissionBody,
  type PutCommissionInput,
  UpdatePaymentBody,
  type UpdatePaymentInput,
} from './deals.schemas.js';

// A deal's commission and payments: read by both sides, written by the owner's admins.

export class DealMoneyService {
  constructor(private readonly db: Db) {}

  async commission(caller: RequestCaller, dealId: number): Promise<CommissionOut> {
    const { found, commission: out } = await commission.readCommission(this.db, caller.source, dealId);
    await caller.accept(found);
    if (!out) throw payments.dealNotFound();
    return out;
  }

  async putCommission(actor: payments.Actor, dealId: number, input: PutCommissionInput) {
    const facts = await commission.facts(this.db, actor, dealId, input);
    return commission.write(this.db, commission.rules(facts, actor, input));
  }

  async payments(caller: RequestCaller, dealId: number): Promise<PaymentOut[]> {
    const {
      found,
      dealVisible,
      payments: rows,
    } = await payments.listPayments(this.db, caller.source, dealId);
    await caller.accept(found);
    if (!dealVisible) throw payments.dealNotFound();
    return rows;
  }

  async updatePayment(actor: payments.Actor, dealId: number, paymentId: number, input: UpdatePaymentInput) {
    const facts = await payments.facts(this.db, actor, dealId, paymentId);
    return payments.write(this.db, payments.rules(facts, actor, input));
  }
}

const DealParams = idParams({ id: 'deals' });
const PaymentParams = idParams({ id: 'deals', paymentId: 'deal_payments' });
const notFound = { 404: errorBody.describe('No such deal that your company sees (or it was deleted)') };
const ownerOnly = {
  403: errorBody.describe(
    'Admin role required, or your company is the partner on this deal: only the owner may',
  ),
};

const DEAL_PATHS = [
  { base: '/deals', noun: 'Deal', alias: '' },
  { base: '/lead-deals', noun: 'LeadDeal', alias: ' (alias of /v1/deals)' },
] as const;

export const dealMoneyRoutes: FastifyPluginAsyncZod<{ money: DealMoneyService }> = async (app, { money }) => {
  for (const { base, noun, alias } of DEAL_PATHS) {
    const tags = ['Deal commission and payments'];
    app.get(
      `${base}/:id/commission`,
      {
        config: { role: 'member', foldsAuth: true },
        schema: {
          operationId: `get${noun}Commission`,
          tags,
          summary: `Get a deal's commission${alias}`,
          description:
            "The calculation (null: none), each entry's amount today in the deal's currency, and the total. " +
            'Both companies of a partnership deal see it.',
          params: DealParams,
          response: { 200: Commission, ...readErrors, ...notFound },
        },
      },
      (req) => money.commission(req.caller, req.params.id),
    );

    app.put(
      `${base}/:id/commission`,
      {
        config: { role: 'admin' },
        schema: {
          operationId: `put${noun}Commission`,
          tags,
          summary: `Set a deal's commission${alias}`,
          description:
            "Entries per payment stage of your company: `fixed` (an amount in the deal's currency) or " +
            '`percentage` (of `deal_value`), `oneOff` or `recurring`. Recomputes `total_commission_value`; ' +
            'when the deal already is in a payment stage an entry names, its payments are made now. ' +
            'The owner only (the partner gets 403); partnership deals only (409). Records `deals.update` ' +
            '(and `payments.create`).',
          params: DealParams,
          body: PutCommissionBody,
          response: {
            200: Commission,
            ...writeErrors,
            ...ownerOnly,
            ...notFound,
            409: errorBody.describe('The deal has no partnership'),
          },
        },
      },
      (req) => money.putCommission(req.auth, req.params.id, req.body),
    );

    app.get(
      `${base}/:id/payments`,
      {
        config: { role: 'member', foldsAuth: true },
        schema: {
          operationId: `list${noun}Payments`,
          tags,
          summary: `List a deal's payments${alias}`,
          description: 'A bare array (B3), by payment date then id. Both companies see them.',
          params: DealParams,
          response: { 200: z.array(Payment), ...readErrors, ...notFound },
        },
      },
      (req) => money.payments(req.caller, req.params.id),
    );

    app.patch(
      `${base}/:id/payments/:paymentId`,
      {
        config: { role: 'admin' },
        schema: {
          operationId: `update${noun}Payment`,
          tags,
          summary: `Approve, reject or complete a payment${alias}`,
          description:
            '`approved` (true / false / null), `payment_processing`, `payment_completed: true` (which ' +
            'approves a payment not yet reviewed). A completed payment cannot be un-completed or ' +
            'rejected (409). The owner only. Records `payments.update`.',
          params: PaymentParams,
          body: UpdatePaymentBody,
          response: {
            200: Payment,
            ...writeErrors,
            ...ownerOnly,
            404: errorBody.describe('No such deal that your company sees, or no such payment on it'),
            409: errorBody.describe('The transition is not allowed (a completed payment is final)'),
          },
        },
      },
      (req) => money.updatePayment(req.auth, req.params.id, req.params.paymentId, req.body),
    );
  }
};
