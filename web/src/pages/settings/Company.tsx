import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { FormError, Notice, TextAreaField, TextField } from '../../components/Field';
import { Loading } from '../../components/Page';
import { formValues, orNull, useForm } from '../../lib/form';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../session';

export function Company(_: { id?: string | undefined }) {
  const company = useLoad(() => ok(api.GET('/v1/company')), []);
  const form = useForm();
  const { refresh } = useSession();
  const [saved, setSaved] = useState(false);
  if (company.loading && !company.data) return <Loading />;
  const c = company.data;
  if (!c) return <FormError message={company.error} />;
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      await ok(
        api.PATCH('/v1/company', {
          body: {
            name: v.name ?? '',
            website_url: orNull(v.website_url),
            domain: orNull(v.domain),
            description: orNull(v.description),
            default_currency: (v.default_currency ?? '').toUpperCase(),
          },
        }),
      );
      setSaved(true);
      company.reload();
      await refresh();
    });
  };
  return (
    <section aria-labelledby="company-heading">
      <h2 id="company-heading">Company</h2>
      <form class="card stack form-narrow" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        {saved && <Notice tone="success">Saved.</Notice>}
        <TextField label="Name" name="name" required defaultValue={c.name} error={form.fields.name} />
        <TextField
          label="Website"
          name="website_url"
          type="url"
          defaultValue={c.website_url ?? ''}
          placeholder="https://example.com"
          error={form.fields.website_url}
        />
        <TextField
          label="Email domain"
          name="domain"
          defaultValue={c.domain ?? ''}
          placeholder="example.com"
          hint="Partners who invite an address at this domain reach your company."
          error={form.fields.domain}
        />
        <TextAreaField
          label="Description"
          name="description"
          rows={3}
          defaultValue={c.description ?? ''}
          error={form.fields.description}
        />
        <TextField
          label="Default currency"
          name="default_currency"
          defaultValue={c.default_currency}
          maxLength={3}
          hint="ISO 4217 code, e.g. USD or EUR."
          error={form.fields.default_currency}
        />
        <div>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Save
          </button>
        </div>
      </form>
    </section>
  );
}
