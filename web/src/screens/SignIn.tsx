import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Link } from '../components/Layout';
import { graphql } from '../gql';
import { useLocation } from '../router';
import { RESET_PASSWORD_PATH } from '../routes';
import { useForm } from '../useForm';

const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      mfaRequired
      mfaChallenge
      user {
        id
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const CompleteMfaLoginMutation = graphql(`
  mutation CompleteMfaLogin($input: CompleteMfaLoginInput!) {
    completeMfaLogin(input: $input) {
      user {
        id
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

/**
 * Step one: email and password. Step two, when MFA is on: a TOTP code or a recovery code.
 * (A passkey would be a third way through step two, once the API has one.)
 * The session arrives as an HttpOnly cookie; the token in the payload is never asked for.
 */
export function SignInScreen({ onSignedIn }: { onSignedIn: () => void }) {
  const [challenge, setChallenge] = useState<string | null>(null);
  const justReset = useLocation().searchParams.get('reset') === '1';
  return (
    <main className="signin" id="main">
      <h1>Sign in</h1>
      {justReset && !challenge ? (
        <p className="callout" role="status">
          Your password was reset and every session was signed out. Sign in with the new password.
        </p>
      ) : null}
      {challenge ? (
        <SecondStep challenge={challenge} onSignedIn={onSignedIn} onRestart={() => setChallenge(null)} />
      ) : (
        <FirstStep onSignedIn={onSignedIn} onMfa={setChallenge} />
      )}
    </main>
  );
}

const RESET_REQUIRED = 'Unrecognized activity was reported for this account, so its password must be reset before it signs in again.';

function FirstStep({ onSignedIn, onMfa }: { onSignedIn: () => void; onMfa: (challenge: string) => void }) {
  const form = useForm({ email: '', password: '' });
  const [, login] = useMutation(LoginMutation);
  const [resetRequired, setResetRequired] = useState(false);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(
      () => login({ input: { email: form.values['email']!.trim(), password: form.values['password']! } }),
      (d) => {
        const required = d.login.errors.some((error) => error.code === 'PASSWORD_RESET_REQUIRED');
        setResetRequired(required);
        // The API's sentence names its mutation; say it in the panel's words, with the link below.
        return required ? { errors: [{ field: [], code: 'PASSWORD_RESET_REQUIRED', message: RESET_REQUIRED }] } : d.login;
      },
    );
    if (!data) return;
    if (data.login.mfaRequired && data.login.mfaChallenge) onMfa(data.login.mfaChallenge);
    else if (data.login.user) onSignedIn();
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Sign in">
      <FormStatus form={form} />
      <Field form={form} name="email" label="Email" type="email" autoComplete="username" required autoFocus />
      <Field form={form} name="password" label="Password" type="password" autoComplete="current-password" required />
      {resetRequired && !form.submitting ? (
        <p className="callout">
          <Link to={RESET_PASSWORD_PATH}>Reset your password</Link> with a code we mail you, then sign in with the new one.
        </p>
      ) : null}
      <Submit form={form} label="Sign in" busyLabel="Signing in…" />
      <p>
        <Link to={RESET_PASSWORD_PATH}>Forgot password?</Link>
      </p>
    </form>
  );
}

function SecondStep({ challenge, onSignedIn, onRestart }: { challenge: string; onSignedIn: () => void; onRestart: () => void }) {
  const [recovery, setRecovery] = useState(false);
  const form = useForm({ code: '' });
  const [, complete] = useMutation(CompleteMfaLoginMutation);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(
      () => complete({ input: { mfaChallenge: challenge, code: form.values['code']!.trim() } }),
      (d) => d.completeMfaLogin,
    );
    if (data?.completeMfaLogin.user) onSignedIn();
  };
  const expired = form.errors.form.length > 0 && !form.submitting;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Second step">
      <p>Multi-factor authentication is on for this account.</p>
      <FormStatus form={form} />
      {recovery ? (
        <Field form={form} name="code" label="Recovery code" autoComplete="off" autoFocus />
      ) : (
        <Field form={form} name="code" label="6-digit code from your authenticator app" inputMode="numeric" autoComplete="one-time-code" autoFocus />
      )}
      <Submit form={form} label="Verify" busyLabel="Checking…" />
      <div className="actions">
        <button type="button" className="link" onClick={() => setRecovery((r) => !r)}>
          {recovery ? 'Use the authenticator app instead' : 'Use a recovery code instead'}
        </button>
        {expired ? (
          <button type="button" className="link" onClick={onRestart}>
            Start again
          </button>
        ) : null}
      </div>
    </form>
  );
}
