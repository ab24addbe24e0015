import { useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { FormError, Notice, TextField } from '../components/Field';
import { Page } from '../components/Page';
import { formValues, useForm } from '../lib/form';

export function ForgotPassword() {
  const form = useForm();
  const [sent, setSent] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      await ok(api.POST('/v1/auth/password-reset', { body: { email: v.email ?? '' } }));
      setSent(true);
    });
  };
  return (
    <Page title="Reset your password" narrow>
      {sent ? (
        <Notice tone="success">
          If an account uses that email, a link to set a new password is on its way. No email? Ask your
          administrator or the server's operator for a reset link.
        </Notice>
      ) : (
        <form class="card stack" onSubmit={submit} noValidate>
          <FormError message={form.error} />
          <TextField
            label="Email"
            name="email"
            type="email"
            required
            autoComplete="email"
            error={form.fields.email}
          />
          <button type="submit" class="button button-primary button-block" disabled={form.busy}>
            Send reset link
          </button>
        </form>
      )}
      <p class="below-card">
        <a href="/login">Back to Log in</a>
      </p>
    </Page>
  );
}
