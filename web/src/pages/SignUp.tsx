import { useLocation } from 'preact-iso';
import { api, ok } from '../api/client';
import { FormError, TextField } from '../components/Field';
import { Page } from '../components/Page';
import { formValues, useForm } from '../lib/form';
import { useSession } from '../session';

export function SignUp() {
  const form = useForm();
  const { signedIn } = useSession();
  const { route } = useLocation();
  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      const session = await ok(
        api.POST('/v1/auth/signup', {
          body: {
            company_name: v.company_name ?? '',
            first_name: v.first_name ?? '',
            ...(v.last_name ? { last_name: v.last_name } : {}),
            email: v.email ?? '',
            password: v.password ?? '',
          },
        }),
      );
      signedIn(session);
      route('/leads');
    });
  };
  return (
    <Page title="Sign up" narrow>
      <p class="lead-text">Create your company's Journeybee account. You will be its first administrator.</p>
      <form class="card stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <TextField
          label="Company name"
          name="company_name"
          required
          autoComplete="organization"
          error={form.fields.company_name}
        />
        <div class="row">
          <TextField
            label="First name"
            name="first_name"
            required
            autoComplete="given-name"
            error={form.fields.first_name}
          />
          <TextField
            label="Last name"
            name="last_name"
            autoComplete="family-name"
            error={form.fields.last_name}
          />
        </div>
        <TextField
          label="Work email"
          name="email"
          type="email"
          required
          autoComplete="email"
          error={form.fields.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          hint="At least 10 characters; avoid common passwords."
          error={form.fields.password}
        />
        <button type="submit" class="button button-primary button-block" disabled={form.busy}>
          Sign up
        </button>
      </form>
      <p class="below-card">
        Already have an account? <a href="/login">Log in</a>
      </p>
    </Page>
  );
}
