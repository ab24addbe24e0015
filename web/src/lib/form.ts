import { useCallback, useState } from 'preact/hooks';
import { ApiFailure, messageOf } from '../api/client';

export interface FormState {
  busy: boolean;
  /** The API's message for the form as a whole. */
  error: string | undefined;
  /** The API's per-field messages, by details[].path. */
  fields: Record<string, string>;
  /** Runs a submit: clears the old messages, shows the new ones on failure. */
  run(submit: () => Promise<void>): Promise<void>;
  reset(): void;
}

export function useForm(): FormState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [fields, setFields] = useState<Record<string, string>>({});
  const run = useCallback(async (submit: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      await submit();
    } catch (err) {
      setError(messageOf(err));
      if (err instanceof ApiFailure) setFields(err.fields);
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => {
    setError(undefined);
    setFields({});
  }, []);
  return { busy, error, fields, run, reset };
}

/** A form's values by name (inputs, selects, textareas): trimmed, except passwords. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) {
    if (typeof value !== 'string') continue;
    const control = form.elements.namedItem(key);
    out[key] = control instanceof HTMLInputElement && control.type === 'password' ? value : value.trim();
  }
  return out;
}

/** A value for a nullable text field: empty means null. */
export const orNull = (v: string | undefined): string | null => (v ? v : null);
