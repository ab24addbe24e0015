import { z } from 'zod';
import { inputString, isoDateTime, objectId, orRequired } from '../../core/schemas.js';
import { Company } from '../companies/index.js';
import { emailField } from '../partners/index.js';
import { User } from '../users/index.js';
import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from './passwords.js';

/** A password being set: 10 to 200 characters, not on the common-password list. */
export const newPassword = inputString({ error: orRequired('must be a string') })
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    `${PASSWORD_MIN} to ${PASSWORD_MAX} characters, not one of the most common passwords (stored as an argon2id hash)`,
  );

/** A password being checked: any string (a wrong one is a 401, never a 400 telling why). */
const presentedPassword = inputString({ error: orRequired('must be a string') })
  .min(1, { error: 'must not be empty' })
  .max(1000, { error: 'must be at most 1000 characters' });

const name = (max: number) =>
  inputString({ error: orRequired('must be a string') })
    .trim()
    .max(max, { error: `must be at most ${max} characters` });

export const Session = z
  .object({
    user: User,
    company: Company,
    csrf_token: z
      .string()
      .describe(
        'Send it as `X-CSRF-Token` with every POST, PUT, PATCH and DELETE made with the session cookie',
      ),
    expires_at: isoDateTime.describe('When the session ends if unused (14 days idle; each use extends it)'),
  })
  .meta({ id: 'Session' });

export const SignupBody = z
  .strictObject({
    company_name: name(200).min(1, { error: 'must not be empty' }),
    first_name: name(100).min(1, { error: 'must not be empty' }),
    last_name: name(100).nullable().optional(),
    email: emailField,
    password: newPassword,
  })
  .meta({ id: 'Signup' });

export const LoginBody = z
  .strictObject({
    email: emailField,
    password: presentedPassword,
    company_id: z
      .number({ error: 'must be a positive integer id' })
      .int({ error: 'must be a positive integer id' })
      .min(1, { error: 'must be a positive integer id' })
      .max(2_147_483_647, { error: 'must be a positive integer id' })
      .optional()
      .describe('Which company to log in to, when the email has accounts in several'),
  })
  .meta({ id: 'Login' });

export const ChooseCompany = z
  .object({
    error: z.string(),
    code: z.string(),
    companies: z.array(z.object({ id: objectId, name: z.string() })),
  })
  .meta({ id: 'ChooseCompany' });

export const ChangePasswordBody = z
  .strictObject({ current_password: presentedPassword, new_password: newPassword })
  .meta({ id: 'ChangePassword' });

export const PasswordResetBody = z.strictObject({ email: emailField }).meta({ id: 'PasswordReset' });

const tokenField = inputString({ error: orRequired('must be a string') }).max(200, {
  error: 'must be at most 200 characters',
});

export const CompletePasswordResetBody = z
  .strictObject({ token: tokenField.describe('The token of the reset link'), password: newPassword })
  .meta({ id: 'CompletePasswordReset' });

export type SignupInput = z.infer<typeof SignupBody>;
export type LoginInput = z.infer<typeof LoginBody>;
