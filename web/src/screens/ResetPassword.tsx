import { useEffect, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Link } from '../components/Layout';
import { graphql } from '../gql';
import { navigate } from '../router';
import { SIGN_IN_PATH } from '../routes';
import { useForm } from '../useForm';

const RequestPasswordResetMutation = graphql(`
  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {
    requestPasswordReset(input: $input) {
      errors {
        field
        code
        message
      }
    }
  }
`);

const ResetPasswordMutation = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) {
      errors {
        field
        code
        message
      }
    }
  }
`);

/** Where sign-in says that the password was reset. */
export const RESET_DONE_PATH = `${SIGN_IN_PATH}?reset=1`;

/**
 * Password recovery, public: step one asks for the email (the answer is the same whether or not it
 * signs in), step two takes the mailed code and the new password; then back to sign-in.
 */
export function ResetPasswordScreen() {
  const [email, setEmail] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Reset your password · Tenantry';
  }, []);
  return (
    <main className="signin" id="main">
      <h1>Reset your password</h1>
      {email === null ? <RequestStep onSent={setEmail} /> : <ResetStep email={email} onRestart={() => setEmail(null)} />}
      <p>
        <Link to={SIGN_IN_PATH}>Back to sign in</Link>
      </p>
    </main>
  );
}

function RequestStep({ onSent }: { onSent: (email: string) => void }) {
  const form = useForm({ email: '' });
  const [, request] = useMutation(RequestPasswordResetMutation);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const email = form.values['email']!.trim();
    const data = await form.submit(() => request({ input: { email } }), (d) => d.requestPasswordReset);
    if (data) onSent(email);
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Ask for a reset code">
      <p>Enter the email you sign in with. We mail you a code to set a new password.</p>
      <FormStatus form={form} />
      <Field form={form} name="email" label="Email" type="email" autoComplete="username" autoFocus />
      <Submit form={form} label="Mail me a code" busyLabel="Sending…" />
    </form>
  );
}

function ResetStep({ email, onRestart }: { email: string; onRestart: () => void }) {
  const form = useForm({ code: '', newPassword: '' });
  const [, reset] = useMutation(ResetPasswordMutation);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(
      () => reset({ input: { email, code: form.values['code']!.trim(), newPassword: form.values['newPassword']! } }),
      (d) => d.resetPassword,
    );
    if (data) navigate(RESET_DONE_PATH, { replace: true });
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Finish the reset">
      <p className="callout" role="status">
        If {email} signs in, a code is on its way. It may take a minute; check your spam folder too.
      </p>
      <FormStatus form={form} />
      <Field
        form={form}
        name="code"
        label="Code from the mail"
        autoComplete="one-time-code"
        autoCapitalize="characters"
        spellCheck={false}
        autoFocus
        hint="10 letters and digits; case, spaces and the dash do not matter."
      />
      <Field
        form={form}
        name="newPassword"
        label="New password"
        type="password"
        autoComplete="new-password"
        hint="12 characters or more; not a common password, and not containing your email name or your names."
      />
      <div className="actions">
        <Submit form={form} label="Set the new password" />
        <button type="button" className="link" onClick={onRestart}>
          Use another email, or mail a new code
        </button>
      </div>
    </form>
  );
}
