import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { FormError, Notice, TextField } from '../../components/Field';
import { Loading } from '../../components/Page';
import { formValues, orNull, useForm } from '../../lib/form';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../session';

function PasswordForm() {
  const form = useForm();
  const [done, setDone] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const el = event.currentTarget as HTMLFormElement;
    const v = formValues(el);
    setDone(false);
    void form.run(async () => {
      await ok(
        api.POST('/v1/auth/password', {
          body: { current_password: v.current_password ?? '', new_password: v.new_password ?? '' },
        }),
        { quiet401: true },
      );
      el.reset();
      setDone(true);
    });
  };
  return (
    <form class="card stack form-narrow" onSubmit={submit} noValidate aria-labelledby="password-heading">
      <h3 id="password-heading">Password</h3>
      <FormError message={form.error} />
      {done && <Notice tone="success">Password changed. Your other sessions were logged out.</Notice>}
      <TextField
        label="Current password"
        name="current_password"
        type="password"
        required
        autoComplete="current-password"
        error={form.fields.current_password}
      />
      <TextField
        label="New password"
        name="new_password"
        type="password"
        required
        minLength={10}
        autoComplete="new-password"
        hint="At least 10 characters."
        error={form.fields.new_password}
      />
      <div>
        <button type="submit" class="button button-primary" disabled={form.busy}>
          Change password
        </button>
      </div>
    </form>
  );
}

export function Profile(_: { id?: string | undefined }) {
  const me = useLoad(() => ok(api.GET('/v1/me')), []);
  const form = useForm();
  const { refresh } = useSession();
  const [saved, setSaved] = useState(false);
  if (me.loading && !me.data) return <Loading />;
  const user = me.data?.user;
  if (!user) return <FormError message={me.error ?? 'No user for this session'} />;
  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      await ok(
        api.PATCH('/v1/me', {
          body: {
            first_name: orNull(v.first_name),
            last_name: orNull(v.last_name),
            position: orNull(v.position),
            phone_number: orNull(v.phone_number),
            meeting_link: orNull(v.meeting_link),
          },
        }),
      );
      setSaved(true);
      await refresh();
    });
  };
  return (
    <section aria-labelledby="profile-heading" class="stack">
      <h2 id="profile-heading">Profile</h2>
      <form class="card stack form-narrow" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        {saved && <Notice tone="success">Saved.</Notice>}
        <p class="muted">
          {user.email} · {user.role === 'admin' ? 'Admin' : 'Partnerships'}
        </p>
        <div class="row">
          <TextField
            label="First name"
            name="first_name"
            defaultValue={user.first_name ?? ''}
            error={form.fields.first_name}
          />
          <TextField
            label="Last name"
            name="last_name"
            defaultValue={user.last_name ?? ''}
            error={form.fields.last_name}
          />
        </div>
        <TextField
          label="Position"
          name="position"
          defaultValue={user.position ?? ''}
          error={form.fields.position}
        />
        <TextField
          label="Phone"
          name="phone_number"
          type="tel"
          defaultValue={user.phone_number ?? ''}
          error={form.fields.phone_number}
        />
        <TextField
          label="Meeting link"
          name="meeting_link"
          type="url"
          defaultValue={user.meeting_link ?? ''}
          error={form.fields.meeting_link}
        />
        <div>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Save
          </button>
        </div>
      </form>
      <PasswordForm />
    </section>
  );
}
