import { useLocation, useRoute } from 'preact-iso';
import { api, ok } from '../api/client';
import { FormError, TextField } from '../components/Field';
import { Page } from '../components/Page';
import { formValues, useForm } from '../lib/form';
import { useSession } from '../session';

export function ResetPassword() {
  const { params } = useRoute();
  const form = useForm();
  const { signedIn } = useSession();
  const { route } = useLocation();
  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      const session = await ok(
        api.POST('/v1/auth/password-reset/complete', {
          body: { token: params.token ?? '', password: v.password ?? '' },
        }),
        { quiet401: true },
      );
      signedIn(session);
      route('/leads');
    });
  };
  return (
    <Page title="Set a new password" narrow>
      <form class="card stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <TextField
          label="New password"
          name="password"
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          hint="At least 10 characters. Your other sessions will be logged out."
          error={form.fields.password ?? form.fields.token}
        />
        <button type="submit" class="button button-primary button-block" disabled={form.busy}>
          Set password
        </button>
      </form>
    </Page>
  );
}
