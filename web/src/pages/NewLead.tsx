import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok, type Schemas } from '../api/client';
import { CustomFieldInput } from '../components/CustomFieldInput';
import { Checkbox, Choices, FormError, Radio, SelectField, TextField } from '../components/Field';
import { Loading, Page } from '../components/Page';
import { customFieldInputs } from '../lib/custom-fields';
import { formValues, useForm } from '../lib/form';
import { personName } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { LEAD_STATUSES, type LeadStatus, STATUS_LABELS } from '../lib/leads';

type Association = 'referral' | 'reseller' | 'campaigns';
const ASSOCIATIONS: [Association, string][] = [
  ['referral', 'Referral'],
  ['reseller', 'Reseller'],
  ['campaigns', 'Campaign'],
];

function PartnerUsers({ partnerId, error }: { partnerId: number; error?: string | undefined }) {
  const users = useLoad(
    () =>
      ok(
        api.GET('/v1/partnerships/{id}/users', {
          params: { path: { id: partnerId }, query: { pageSize: 50 } },
        }),
      ),
    [partnerId],
  );
  if (users.loading) return <Loading label="Loading the partner's users…" />;
  const list = users.data?.data ?? [];
  return (
    <Choices
      legend="Partner users"
      hint={
        list.length
          ? 'Who at the partner gets the lead (optional).'
          : 'The partner has no users to assign yet.'
      }
      error={error ?? users.error}
    >
      {list.map((u) => (
        <Checkbox
          key={u.id}
          name="partnerUsers"
          value={String(u.id)}
          label={`${personName(u)} (${u.email})`}
        />
      ))}
    </Choices>
  );
}

export function NewLead() {
  const { route } = useLocation();
  const form = useForm();
  const [association, setAssociation] = useState<Association>('referral');
  const [partnerId, setPartnerId] = useState<number | undefined>();
  const [send, setSend] = useState(false);

  const partners = useLoad(
    () => ok(api.GET('/v1/partners', { params: { query: { status: 'accepted', pageSize: 50 } } })),
    [],
  );
  const tags = useLoad(
    () => ok(api.GET('/v1/tags', { params: { query: { association: 'lead', pageSize: 50 } } })),
    [],
  );
  const fields = useLoad(
    () => ok(api.GET('/v1/custom-fields', { params: { query: { category: 'lead', pageSize: 50 } } })),
    [],
  );
  const campaigns = useLoad(() => ok(api.GET('/v1/campaigns', { params: { query: { pageSize: 50 } } })), []);

  const viaPartner = association !== 'campaigns';
  const choosable = (partners.data?.data ?? []).filter((p) => p.partnership.partner_type === association);
  const chosen: Schemas['Partner'] | undefined = choosable.find((p) => p.id === partnerId);
  const definitions = fields.data?.data ?? [];

  // The API names a custom value by its index in what we sent: map it back to its field.
  const [sentFields, setSentFields] = useState<number[]>([]);
  const fieldError = (definitionId: number) => {
    const i = sentFields.indexOf(definitionId);
    if (i < 0) return undefined;
    return form.fields[`customFields[${i}].value`] ?? form.fields[`customFields[${i}]`];
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const el = event.currentTarget as HTMLFormElement;
    const v = formValues(el);
    const data = new FormData(el);
    const customFields = customFieldInputs(el, definitions);
    setSentFields(customFields.map((c) => c.customFieldId));
    const tagIds = data.getAll('tags').map(Number);
    const partnerUsers = data.getAll('partnerUsers').map(Number);
    void form.run(async () => {
      const created = await ok(
        api.POST('/v1/leads', {
          body: {
            associationType: association,
            ...(v.company_name ? { company_name: v.company_name } : {}),
            ...(v.first_name ? { first_name: v.first_name } : {}),
            ...(v.last_name ? { last_name: v.last_name } : {}),
            ...(v.email ? { email: v.email } : {}),
            ...(v.phone_number ? { phone_number: v.phone_number } : {}),
            status: (v.status || 'new') as LeadStatus,
            source: viaPartner ? 'partnership' : 'campaign',
            ...(tagIds.length ? { tags: tagIds } : {}),
            ...(customFields.length ? { customFields } : {}),
            ...(v.campaign ? { companyCampaignId: Number(v.campaign) } : {}),
            ...(viaPartner && chosen
              ? {
                  partnershipLead: {
                    partnership_id: chosen.partnership_id,
                    company_partnerships_id: chosen.id,
                    partners_company_id: chosen.partner.id,
                    sendToPartner: send,
                    ...(send && partnerUsers.length ? { partnerUsers } : {}),
                  },
                }
              : {}),
          },
        }),
      );
      route(`/leads/${created.id}`);
    });
  };

  const loading = partners.loading || tags.loading || fields.loading || campaigns.loading;
  return (
    <Page title="New lead">
      <p>
        <a href="/leads">← Leads</a>
      </p>
      {loading ? (
        <Loading />
      ) : (
        <form class="card stack form-wide" onSubmit={submit} noValidate>
          <FormError message={form.error} />
          <Choices legend="Association" inline error={form.fields.associationType}>
            {ASSOCIATIONS.map(([value, label]) => (
              <Radio
                key={value}
                name="associationType"
                value={value}
                checked={association === value}
                onChange={() => {
                  setAssociation(value);
                  setPartnerId(undefined);
                }}
                label={label}
              />
            ))}
          </Choices>

          {viaPartner && (
            <fieldset class="group">
              <legend>Partner</legend>
              <SelectField
                label="Partnership"
                required
                value={partnerId ? String(partnerId) : ''}
                onChange={(e) => setPartnerId(Number(e.currentTarget.value) || undefined)}
                error={form.fields['partnershipLead.partnership_id'] ?? form.fields.partnershipLead}
                hint={
                  choosable.length
                    ? undefined
                    : `You have no accepted ${association} partnership yet: invite one in Partners.`
                }
              >
                <option value="">Choose a partnership…</option>
                {choosable.map((p) => (
                  <option key={p.id} value={String(p.id)}>
                    {p.partner.name}
                  </option>
                ))}
              </SelectField>
              {chosen && (
                <Checkbox
                  label={`Send to ${chosen.partner.name}`}
                  hint="The partner gets its own copy of the lead and is notified."
                  checked={send}
                  onChange={(e) => setSend(e.currentTarget.checked)}
                />
              )}
              {chosen && send && (
                <PartnerUsers partnerId={chosen.id} error={form.fields['partnershipLead.partnerUsers']} />
              )}
            </fieldset>
          )}

          <fieldset class="group">
            <legend>Lead</legend>
            <TextField
              label="Company name"
              name="company_name"
              autoComplete="off"
              error={form.fields.company_name}
            />
            <div class="row">
              <TextField
                label="First name"
                name="first_name"
                autoComplete="off"
                error={form.fields.first_name}
              />
              <TextField
                label="Last name"
                name="last_name"
                autoComplete="off"
                error={form.fields.last_name}
              />
            </div>
            <div class="row">
              <TextField
                label="Email"
                name="email"
                type="email"
                autoComplete="off"
                error={form.fields.email}
              />
              <TextField
                label="Phone"
                name="phone_number"
                type="tel"
                autoComplete="off"
                error={form.fields.phone_number}
              />
            </div>
            <p class="field-hint">A lead needs at least an email or a company name.</p>
            <div class="row">
              <SelectField label="Status" name="status" defaultValue="new" error={form.fields.status}>
                {LEAD_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {STATUS_LABELS[s]}
                  </option>
                ))}
              </SelectField>
              <SelectField
                label="From campaign"
                name="campaign"
                required={association === 'campaigns'}
                error={form.fields.companyCampaignId}
              >
                <option value="">{association === 'campaigns' ? 'Choose a campaign…' : 'None'}</option>
                {campaigns.data?.data.map((c) => (
                  <option key={c.id} value={String(c.id)}>
                    {c.title}
                  </option>
                ))}
              </SelectField>
            </div>
          </fieldset>

          {(tags.data?.data.length ?? 0) > 0 && (
            <Choices legend="Tags" inline error={form.fields.tags}>
              {tags.data?.data.map((t) => (
                <Checkbox key={t.id} name="tags" value={String(t.id)} label={t.label} />
              ))}
            </Choices>
          )}

          {definitions.length > 0 && (
            <fieldset class="group">
              <legend>Custom fields</legend>
              {definitions.map((d) => (
                <CustomFieldInput key={d.id} field={d} error={fieldError(d.id)} />
              ))}
            </fieldset>
          )}

          <div class="actions">
            <a class="button" href="/leads">
              Cancel
            </a>
            <button type="submit" class="button button-primary" disabled={form.busy}>
              Create lead
            </button>
          </div>
        </form>
      )}
    </Page>
  );
}
