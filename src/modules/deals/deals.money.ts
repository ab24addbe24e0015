import { type SQL, sql } from 'drizzle-orm';

// Money and commission, in SQL: amounts are `numeric` end to end (never a JavaScript number),
// rounded to the currency's minor unit by PostgreSQL (`round`, half away from zero), and shown as
// strings with exactly the currency's minor digits ("1250.50", JPY "1250"). The commission
// arithmetic lives in migration 0014 (`deal_commission_amount`, `deal_commission_occurrences`,
// `deal_commission_total`), called by every write that changes a value or a calculation.

/** `amount` (numeric) as the API shows it in `currency_code`'s minor digits: a text expression. */
export const moneyText = (amount: SQL, currencyCode: SQL): SQL<string> =>
  sql<string>`round(${amount}, (SELECT minor_digits FROM currencies WHERE code = ${currencyCode}))::text`;

/** The total commission of `calculation` (jsonb) on `dealValue` in `currencyCode`: numeric. */
export const commissionTotal = (calculation: SQL, dealValue: SQL, currencyCode: SQL): SQL =>
  sql`deal_commission_total(${calculation}, ${dealValue},
        (SELECT minor_digits FROM currencies WHERE code = ${currencyCode}))`;

/**
 * `INSERT INTO deal_payments …` for the payments a deal owes at its payment stage: one row per
 * occurrence of every entry of its calculation that names that stage (a recurring entry's n-th
 * payment is dated n-1 months after today, UTC). `deal` names a relation (a CTE) with the deal's
 * new state: `id, company_id, partnership_id, payment_stage_id, deal_value, currency_code,
 * commission_calculation`. Only partnership deals pay commission. Payments already made for that
 * stage are kept as they are (ON CONFLICT DO NOTHING): re-entering a stage pays nothing twice,
 * and a payment, once made, keeps its value when the deal's value changes later. Use it as a
 * data-modifying CTE; it RETURNS the new payments' columns (for `payments.create` events).
 */
export function insertDuePayments(deal: SQL): SQL {
  return sql`INSERT INTO deal_payments
      (deal_id, company_id, partnership_id, payment_stage_id, occurrence, payment_value, currency_code, payment_date)
    SELECT d.id, d.company_id, d.partnership_id, d.payment_stage_id, o.n,
           deal_commission_amount(e.entry, d.deal_value, c.minor_digits), d.currency_code,
           ((now() AT TIME ZONE 'UTC')::date + make_interval(months => o.n - 1))::date
      FROM ${deal} d
      JOIN currencies c ON c.code = d.currency_code
      CROSS JOIN LATERAL jsonb_array_elements(coalesce(d.commission_calculation -> 'entries', '[]'::jsonb)) AS e(entry)
      CROSS JOIN LATERAL generate_series(1, deal_commission_occurrences(e.entry)) AS o(n)
     WHERE d.partnership_id IS NOT NULL AND d.payment_stage_id IS NOT NULL
       AND (e.entry ->> 'payment_stage_id')::integer = d.payment_stage_id
    ON CONFLICT (deal_id, payment_stage_id, occurrence) DO NOTHING
    RETURNING id, uuid, deal_id, company_id, partnership_id, payment_stage_id, occurrence, payment_value,
              currency_code, payment_date, payment_category, recipient_type, approved, payment_processing,
              payment_processing_date, payment_completed, payment_completed_date, created_at, updated_at`;
}
