import { useState } from 'preact/hooks';
import { api, messageOf, ok, type Schemas } from '../../api/client';
import { Pill } from '../../components/Badges';
import { Dialog } from '../../components/Dialog';
import { FormError, SelectField, TextField } from '../../components/Field';
import { Loading, TableScroll } from '../../components/Page';
import { type Deal, formatMoney } from '../../lib/deals';
import { useForm } from '../../lib/form';
import { formatDate } from '../../lib/format';
import { useLoad } from '../../lib/hooks';

type Commission = Schemas['Commission'];
type Entry = NonNullable<Commission['calculation']>['entries'][number];
type PaymentStage = Schemas['PaymentStage'];

interface DraftEntry {
  key: number;
  payment_stage_id: string;
  option: 'fixed' | 'percentage';
  type: 'oneOff' | 'recurring';
  value: string;
  number_of_occurrences: string;
}

let draftKey = 0;
const draftOf = (e: Entry): DraftEntry => ({
  key: ++draftKey,
  payment_stage_id: String(e.payment_stage_id),
  option: e.calculation.option,
  type: e.calculation.type,
  value: e.calculation.value,
  number_of_occurrences: String(e.calculation.number_of_occurrences),
});

function entryText(e: Entry, currency: string): string {
  const c = e.calculation;
  const each = c.option === 'percentage' ? `${c.value} % of the value` : formatMoney(c.value, currency);
  return c.type === 'recurring' ? `${each}, ${c.number_of_occurrences} times` : each;
}

/**
 * The commission (its entries per payment stage and the exact total) and the deal's payments.
 * Admins of the owner side edit the commission and approve or complete payments; the partner
 * side and other users see them read-only.
 */
export function DealMoney({ deal, canManage }: { deal: Deal; canManage: boolean }) {
  const commission = useLoad(
    () => ok(api.GET('/v1/deals/{id}/commission', { params: { path: { id: deal.id } } })),
    [deal.id, deal.updated_at],
  );
  const payments = useLoad(
    () => ok(api.GET('/v1/deals/{id}/payments', { params: { path: { id: deal.id } } })),
    [deal.id, deal.updated_at],
  );
  const [editing, setEditing] = useState(false);
  const [paymentError, setPaymentError] = useState<string | undefined>();
  const [busy, setBusy] = useState<number | undefined>();

  const updatePayment = async (
    payment: Schemas['Payment'],
    body: { approved?: boolean; payment_completed?: boolean },
  ) => {
    setBusy(payment.id);
    setPaymentError(undefined);
    try {
      await ok(
        api.PATCH('/v1/deals/{id}/payments/{paymentId}', {
          params: { path: { id: deal.id, paymentId: payment.id } },
          body,
        }),
      );
      payments.reload();
    } catch (err) {
      setPaymentError(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  };

  const c = commission.data;
  const list = payments.data ?? [];
  // Only admins of the owner act on payments, and only on those not completed yet.
  const actions = canManage && list.some((p) => !p.payment_completed);
  return (
    <>
      <section class="card" aria-labelledby="deal-commission">
        <div class="section-head">
          <h2 id="deal-commission">Commission</h2>
          {canManage && deal.partnership_id != null && c && (
            <button type="button" class="button" onClick={() => setEditing(true)}>
              Edit commission
            </button>
          )}
        </div>
        {commission.error && (
          <div class="alert alert-error" role="alert">
            {commission.error}
          </div>
        )}
        {commission.loading && !c && <Loading label="Loading the commission…" />}
        {c && deal.partnership_id == null && (
          <p class="muted">This deal has no partnership, so no commission applies.</p>
        )}
        {c && deal.partnership_id != null && (
          <>
            {(c.calculation?.entries.length ?? 0) === 0 ? (
              <p class="muted">No commission set.</p>
            ) : (
              <TableScroll label="Commission entries">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Payment stage</th>
                      <th scope="col">Calculation</th>
                      <th scope="col">Amount</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.calculation?.entries.map((e, i) => (
                      <tr key={i}>
                        <td>{e.payment_stage_label ?? `#${e.payment_stage_id}`}</td>
                        <td>{entryText(e, c.currency_code)}</td>
                        <td class="nowrap">{formatMoney(e.amount, c.currency_code)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
            <p>
              Total commission:{' '}
              <span class="strong" data-testid="commission-total">
                {formatMoney(c.total_commission_value, c.currency_code)}
              </span>
            </p>
          </>
        )}
      </section>

      <section class="card" aria-labelledby="deal-payments">
        <h2 id="deal-payments">Payments</h2>
        {payments.error && (
          <div class="alert alert-error" role="alert">
            {payments.error}
          </div>
        )}
        {paymentError && (
          <div class="alert alert-error" role="alert">
            {paymentError}
          </div>
        )}
        {payments.loading && !payments.data && <Loading label="Loading payments…" />}
        {payments.data && list.length === 0 && (
          <p class="muted">
            No payments yet: they are made when the deal reaches a payment stage its commission names.
          </p>
        )}
        {list.length > 0 && (
          <TableScroll label="Payments">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Value</th>
                  <th scope="col">Date</th>
                  <th scope="col">Approved</th>
                  <th scope="col">Completed</th>
                  {actions && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.id}>
                    <td class="nowrap">{formatMoney(p.payment_value, p.currency.code)}</td>
                    <td>
                      <div class="nowrap">{formatDate(p.payment_date)}</div>
                      <div class="muted small">
                        {p.payment_stage_label ?? ''}
                        {p.occurrence > 1 ? ` · ${p.occurrence}` : ''}
                      </div>
                    </td>
                    <td>
                      {p.approved == null ? (
                        <Pill tone="warn">Waiting</Pill>
                      ) : p.approved ? (
                        <Pill tone="good">Approved</Pill>
                      ) : (
                        <Pill tone="bad">Rejected</Pill>
                      )}
                    </td>
                    <td>
                      {p.payment_completed ? (
                        <>
                          <Pill tone="good">Completed</Pill>
                          <div class="muted small nowrap">{formatDate(p.payment_completed_date)}</div>
                        </>
                      ) : (
                        <Pill>Not yet</Pill>
                      )}
                    </td>
                    {actions && (
                      <td>
                        <div class="actions actions-start">
                          {!p.approved && !p.payment_completed && (
                            <button
                              type="button"
                              class="button"
                              disabled={busy === p.id}
                              aria-label={`Approve the payment of ${formatMoney(p.payment_value, p.currency.code)} due ${formatDate(p.payment_date)}`}
                              onClick={() => void updatePayment(p, { approved: true })}
                            >
                              Approve
                            </button>
                          )}
                          {!p.payment_completed && (
                            <button
                              type="button"
                              class="button"
                              disabled={busy === p.id}
                              aria-label={`Mark completed: the payment of ${formatMoney(p.payment_value, p.currency.code)} due ${formatDate(p.payment_date)}`}
                              onClick={() => void updatePayment(p, { payment_completed: true })}
                            >
                              Mark completed
                            </button>
                          )}
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
      {editing && c && (
        <EditCommission
          deal={deal}
          commission={c}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            commission.reload();
            payments.reload();
          }}
        />
      )}
    </>
  );
}

function EditCommission({
  deal,
  commission,
  onClose,
  onSaved,
}: {
  deal: Deal;
  commission: Commission;
  onClose: () => void;
  onSaved: () => void;
}) {
  const form = useForm();
  const stages = useLoad(() => ok(api.GET('/v1/stages/payment-stages')), []);
  const [entries, setEntries] = useState<DraftEntry[]>(() =>
    (commission.calculation?.entries ?? []).map(draftOf),
  );
  const paymentStages: PaymentStage[] = [...(stages.data?.data ?? [])].sort((a, b) => a.series - b.series);
  const change = (key: number, patch: Partial<DraftEntry>) =>
    setEntries((list) => list.map((e) => (e.key === key ? { ...e, ...patch } : e)));

  const submit = (event: Event) => {
    event.preventDefault();
    void form.run(async () => {
      await ok(
        api.PUT('/v1/deals/{id}/commission', {
          params: { path: { id: deal.id } },
          body: {
            calculation: entries.length
              ? {
                  entries: entries.map((e) => ({
                    payment_stage_id: Number(e.payment_stage_id || paymentStages[0]?.id),
                    calculation: {
                      type: e.type,
                      option: e.option,
                      value: e.value,
                      ...(e.type === 'recurring'
                        ? { number_of_occurrences: Number(e.number_of_occurrences) || 1 }
                        : {}),
                    },
                  })),
                }
              : null,
          },
        }),
      );
      onSaved();
    });
  };

  return (
    <Dialog title="Edit commission" onClose={onClose} wide>
      <form class="stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <p class="muted">
          Each entry pays when the deal reaches its payment stage: a fixed amount in {deal.currency_code}, or
          a percentage of the deal's value.
        </p>
        {entries.length === 0 && <p>No entries: saving removes the commission.</p>}
        {entries.map((e, i) => {
          const at = `calculation.entries[${i}]`;
          const err = (name: string) =>
            form.fields[`${at}.${name}`] ?? form.fields[`${at}.calculation.${name}`];
          return (
            <fieldset class="group" key={e.key}>
              <legend>{`Entry ${i + 1}`}</legend>
              <div class="row">
                <SelectField
                  label="Payment stage"
                  value={e.payment_stage_id}
                  error={err('payment_stage_id')}
                  onChange={(ev) => change(e.key, { payment_stage_id: ev.currentTarget.value })}
                >
                  {paymentStages.map((s) => (
                    <option key={s.id} value={String(s.id)}>
                      {s.label}
                    </option>
                  ))}
                </SelectField>
                <SelectField
                  label="Kind"
                  value={e.option}
                  onChange={(ev) => change(e.key, { option: ev.currentTarget.value as DraftEntry['option'] })}
                >
                  <option value="fixed">Fixed amount</option>
                  <option value="percentage">Percentage of the value</option>
                </SelectField>
                <TextField
                  label={e.option === 'percentage' ? 'Percent' : `Amount (${deal.currency_code})`}
                  value={e.value}
                  inputMode="decimal"
                  error={err('value')}
                  onInput={(ev) => change(e.key, { value: ev.currentTarget.value.trim() })}
                />
              </div>
              <div class="row row-end">
                <SelectField
                  label="Paid"
                  value={e.type}
                  onChange={(ev) => change(e.key, { type: ev.currentTarget.value as DraftEntry['type'] })}
                >
                  <option value="oneOff">Once</option>
                  <option value="recurring">Monthly</option>
                </SelectField>
                {e.type === 'recurring' && (
                  <TextField
                    label="Payments"
                    type="number"
                    min={1}
                    max={120}
                    value={e.number_of_occurrences}
                    error={err('number_of_occurrences')}
                    onInput={(ev) => change(e.key, { number_of_occurrences: ev.currentTarget.value })}
                  />
                )}
                <button
                  type="button"
                  class="button button-danger-quiet"
                  onClick={() => setEntries((list) => list.filter((x) => x.key !== e.key))}
                >
                  {`Remove entry ${i + 1}`}
                </button>
              </div>
            </fieldset>
          );
        })}
        <div>
          <button
            type="button"
            class="button button-quiet"
            disabled={paymentStages.length === 0}
            onClick={() =>
              setEntries((list) => [
                ...list,
                {
                  key: ++draftKey,
                  payment_stage_id: String(paymentStages[0]?.id ?? ''),
                  option: 'percentage',
                  type: 'oneOff',
                  value: '10',
                  number_of_occurrences: '1',
                },
              ])
            }
          >
            Add entry
          </button>
          {stages.data && paymentStages.length === 0 && (
            <p class="muted small">Your company has no payment stages yet.</p>
          )}
        </div>
        <div class="actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Save commission
          </button>
        </div>
      </form>
    </Dialog>
  );
}
