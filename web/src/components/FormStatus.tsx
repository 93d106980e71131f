import type { FormState } from '../useForm';

/** Errors that name no shown field, the stale-version offer, and the last success, above a form. */
export function FormStatus({ form, onReload }: { form: FormState; onReload?: () => void }) {
  const { errors, notice } = form;
  return (
    <>
      {errors.form.length || errors.versionConflict ? (
        <div className="form-errors" role="alert">
          {errors.form.map((message) => (
            <p key={message}>{message}</p>
          ))}
          {errors.versionConflict && onReload ? (
            <button type="button" className="secondary" onClick={onReload}>
              Reload the latest version
            </button>
          ) : null}
        </div>
      ) : null}
      <p className="notice" role="status">
        {notice}
      </p>
    </>
  );
}

/**
 * A submit button that shows progress and cannot be pressed twice. `busy`: a change that takes more
 * than one request (or waits for the browser, as a passkey does) is in progress.
 */
export function Submit({
  form,
  label,
  busyLabel = 'Saving…',
  disabled,
  busy,
}: {
  form: FormState;
  label: string;
  busyLabel?: string;
  disabled?: boolean;
  busy?: boolean;
}) {
  const working = form.submitting || Boolean(busy);
  return (
    <button type="submit" disabled={working || disabled} aria-busy={working || undefined}>
      {working ? <span className="spinner" aria-hidden="true" /> : null}
      {label}
      {working ? <span className="sr-only"> ({busyLabel})</span> : null}
    </button>
  );
}
