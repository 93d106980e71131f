import { useEffect, type InputHTMLAttributes, type ReactNode } from 'react';
import type { FormState } from '../useForm';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'value' | 'onChange' | 'form'>;

export function fieldId(name: string): string {
  return `field-${name.replace(/\./g, '-')}`;
}

/** A labelled input whose UserErrors appear right under it and are announced with it. */
export function Field({ form, name, label, hint, ...input }: { form: FormState; name: string; label: string; hint?: ReactNode } & InputProps) {
  const id = fieldId(name);
  const { register } = form;
  useEffect(() => register(name), [register, name]);
  const errors = form.errors.fields[name] ?? [];
  const described = [hint ? `${id}-hint` : '', errors.length ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        value={form.values[name] ?? ''}
        onChange={(e) => form.set(name, e.target.value)}
        aria-invalid={errors.length ? true : undefined}
        aria-describedby={described || undefined}
        {...input}
      />
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      {errors.length ? (
        <p id={`${id}-error`} className="field-error">
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  );
}

/** Read-only value in the same layout as a Field. */
export function ReadOnly({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="field readonly">
      <dt>{label}</dt>
      <dd>{value || <span className="muted">—</span>}</dd>
    </div>
  );
}
