import type {
  ComponentChildren,
  InputHTMLAttributes,
  PartialInputHTMLAttributes,
  PartialSelectHTMLAttributes,
  SelectHTMLAttributes,
  TextareaHTMLAttributes,
} from 'preact';
import { useId } from 'preact/hooks';

// Form controls with a visible label, an optional hint, and the API's message for the field
// (details[].path) right under it, tied to the control by aria-describedby.

interface Common {
  label: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  /** Visually hides the label (still the control's accessible name). */
  hideLabel?: boolean;
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

function Extras({ id, hint, error }: { id: string; hint?: ComponentChildren; error?: string | undefined }) {
  return (
    <>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

// Preact types <input> and <select> as unions keyed by `type` and `role`; these components take
// the attributes of any of them and pass them through.
type AnyInput = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'label' | 'id' | 'role'>;
const asInput = (props: AnyInput) => props as InputHTMLAttributes<HTMLInputElement>;
const asSelect = (props: AnySelect) => props as SelectHTMLAttributes<HTMLSelectElement>;
type AnySelect = Omit<PartialSelectHTMLAttributes<HTMLSelectElement>, 'label' | 'id' | 'role'>;

type InputProps = Common & AnyInput;

export function TextField({ label, error, hint, hideLabel, required, ...input }: InputProps) {
  const id = useId();
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id} class={hideLabel ? 'visually-hidden' : undefined}>
        {label}
        {required && <span class="required"> (required)</span>}
      </label>
      <input
        id={id}
        required={required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...asInput(input)}
      />
      <Extras id={id} hint={hint} error={error} />
    </div>
  );
}

type TextAreaProps = Common & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'label' | 'id'>;

export function TextAreaField({ label, error, hint, hideLabel, required, ...input }: TextAreaProps) {
  const id = useId();
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id} class={hideLabel ? 'visually-hidden' : undefined}>
        {label}
        {required && <span class="required"> (required)</span>}
      </label>
      <textarea
        id={id}
        required={required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...input}
      />
      <Extras id={id} hint={hint} error={error} />
    </div>
  );
}

type SelectProps = Common & AnySelect & { children: ComponentChildren };

export function SelectField({ label, error, hint, hideLabel, required, children, ...select }: SelectProps) {
  const id = useId();
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id} class={hideLabel ? 'visually-hidden' : undefined}>
        {label}
        {required && <span class="required"> (required)</span>}
      </label>
      <select
        id={id}
        required={required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...asSelect(select)}
      >
        {children}
      </select>
      <Extras id={id} hint={hint} error={error} />
    </div>
  );
}

type CheckboxProps = Omit<Common, 'hideLabel'> & Omit<AnyInput, 'type'>;

export function Checkbox({ label, error, hint, ...input }: CheckboxProps) {
  const id = useId();
  return (
    <div class={`check${error ? ' has-error' : ''}`}>
      <input
        id={id}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...asInput({ ...input, type: 'checkbox' })}
      />
      <label for={id}>{label}</label>
      <Extras id={id} hint={hint} error={error} />
    </div>
  );
}

/** A group of checkboxes or radios with a legend (its accessible name) and one message. */
export function Choices({
  legend,
  error,
  hint,
  children,
  inline,
}: {
  legend: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  children: ComponentChildren;
  inline?: boolean;
}) {
  const id = useId();
  return (
    <fieldset
      class={`choices${inline ? ' inline' : ''}${error ? ' has-error' : ''}`}
      aria-describedby={describedBy(id, hint, error)}
    >
      <legend>{legend}</legend>
      <div class="choices-items">{children}</div>
      <Extras id={id} hint={hint} error={error} />
    </fieldset>
  );
}

export function Radio({ label, ...input }: { label: ComponentChildren } & Omit<AnyInput, 'type'>) {
  const id = useId();
  return (
    <div class="check">
      <input id={id} {...asInput({ ...input, type: 'radio' })} />
      <label for={id}>{label}</label>
    </div>
  );
}

/** The API's message for the whole form (or a failure without field details). */
export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <div class="alert alert-error" role="alert">
      {message}
    </div>
  );
}

export function Notice({
  children,
  tone = 'info',
}: {
  children: ComponentChildren;
  tone?: 'info' | 'success';
}) {
  return <output class={`alert alert-${tone}`}>{children}</output>;
}
