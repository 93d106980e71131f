import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Link } from '../components/Layout';
import { graphql } from '../gql';
import { useLocation } from '../router';
import { RESET_PASSWORD_PATH } from '../routes';
import type { AuthenticatorKind } from '../gql/graphql';
import { getPasskey, passkeyFailure, passkeysSupported } from '../passkeys';
import { useForm, type FormState } from '../useForm';

const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      mfaRequired
      mfaChallenge
      mfaMethods
      passkeyOptions
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

const StartPasskeyLoginMutation = graphql(`
  mutation StartPasskeyLogin {
    startPasskeyLogin {
      options
      challengeId
      errors {
        field
        code
        message
      }
    }
  }
`);

const CompletePasskeyLoginMutation = graphql(`
  mutation CompletePasskeyLogin($input: CompletePasskeyLoginInput!) {
    completePasskeyLogin(input: $input) {
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

const CompleteMfaLoginWithPasskeyMutation = graphql(`
  mutation CompleteMfaLoginWithPasskey($input: CompleteMfaLoginWithPasskeyInput!) {
    completeMfaLoginWithPasskey(input: $input) {
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

/** What login asked for when MFA is on: the challenge, the user's kinds of factor, passkey options. */
export interface SecondStepRequest {
  challenge: string;
  methods: readonly AuthenticatorKind[];
  passkeyOptions: string | null;
}

/**
 * Step one: email and password. Step two, when MFA is on: a passkey, a TOTP code or a recovery
 * code. The session arrives as an HttpOnly cookie; the token in the payload is never asked for.
 */
export function SignInScreen({ onSignedIn }: { onSignedIn: () => void }) {
  const [challenge, setChallenge] = useState<SecondStepRequest | null>(null);
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
        <SecondStep request={challenge} onSignedIn={onSignedIn} onRestart={() => setChallenge(null)} />
      ) : (
        <FirstStep onSignedIn={onSignedIn} onMfa={setChallenge} />
      )}
    </main>
  );
}

const RESET_REQUIRED = 'Unrecognized activity was reported for this account, so its password must be reset before it signs in again.';

function FirstStep({ onSignedIn, onMfa }: { onSignedIn: () => void; onMfa: (request: SecondStepRequest) => void }) {
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
    const { mfaRequired, mfaChallenge, mfaMethods, passkeyOptions } = data.login;
    if (mfaRequired && mfaChallenge) onMfa({ challenge: mfaChallenge, methods: mfaMethods ?? [], passkeyOptions: passkeyOptions ?? null });
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
      {passkeysSupported() ? <PasswordlessPasskey form={form} onSignedIn={onSignedIn} /> : null}
      <p>
        <Link to={RESET_PASSWORD_PATH}>Forgot password?</Link>
      </p>
    </form>
  );
}

/** Passwordless: the browser offers the passkeys it holds for this site; one with user verification is both factors. */
function PasswordlessPasskey({ form, onSignedIn }: { form: FormState; onSignedIn: () => void }) {
  const [, start] = useMutation(StartPasskeyLoginMutation);
  const [, complete] = useMutation(CompletePasskeyLoginMutation);
  const [asking, setAsking] = useState(false);
  const signIn = async () => {
    if (asking || form.submitting) return;
    setAsking(true);
    try {
      const started = await form.submit(() => start({}), (d) => d.startPasskeyLogin);
      const { options, challengeId } = started?.startPasskeyLogin ?? {};
      if (!options || !challengeId) return;
      let credential: string;
      try {
        credential = await getPasskey(options);
      } catch (error) {
        form.fail(passkeyFailure(error));
        return;
      }
      const data = await form.submit(() => complete({ input: { challengeId, credential } }), (d) => d.completePasskeyLogin);
      if (data?.completePasskeyLogin.user) onSignedIn();
    } finally {
      setAsking(false);
    }
  };
  const busy = asking || form.submitting;
  return (
    <button type="button" className="secondary" onClick={signIn} disabled={busy} aria-busy={asking || undefined}>
      {asking ? <span className="spinner" aria-hidden="true" /> : null}
      Sign in with a passkey
      {asking ? <span className="sr-only"> (Waiting for the passkey…)</span> : null}
    </button>
  );
}

function SecondStep({ request, onSignedIn, onRestart }: { request: SecondStepRequest; onSignedIn: () => void; onRestart: () => void }) {
  const hasApp = request.methods.includes('TOTP');
  const [recovery, setRecovery] = useState(!hasApp);
  const form = useForm({ code: '' });
  const [, complete] = useMutation(CompleteMfaLoginMutation);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(
      () => complete({ input: { mfaChallenge: request.challenge, code: form.values['code']!.trim() } }),
      (d) => d.completeMfaLogin,
    );
    if (data?.completeMfaLogin.user) onSignedIn();
  };
  const expired = form.errors.form.length > 0 && !form.submitting;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Second step">
      <p>Multi-factor authentication is on for this account.</p>
      <FormStatus form={form} />
      {request.passkeyOptions && passkeysSupported() ? (
        <PasskeyStep form={form} challenge={request.challenge} options={request.passkeyOptions} onSignedIn={onSignedIn} />
      ) : null}
      {recovery ? (
        <Field form={form} name="code" label="Recovery code" autoComplete="off" autoFocus={!request.passkeyOptions} />
      ) : (
        <Field
          form={form}
          name="code"
          label="6-digit code from your authenticator app"
          inputMode="numeric"
          autoComplete="one-time-code"
          autoFocus={!request.passkeyOptions}
        />
      )}
      <Submit form={form} label="Verify" busyLabel="Checking…" />
      <div className="actions">
        {hasApp ? (
          <button type="button" className="link" onClick={() => setRecovery((r) => !r)}>
            {recovery ? 'Use the authenticator app instead' : 'Use a recovery code instead'}
          </button>
        ) : null}
        {expired ? (
          <button type="button" className="link" onClick={onRestart}>
            Start again
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** "Use a passkey": the browser signs login's challenge, and the API finishes the sign-in. */
function PasskeyStep({ form, challenge, options, onSignedIn }: { form: FormState; challenge: string; options: string; onSignedIn: () => void }) {
  const [, complete] = useMutation(CompleteMfaLoginWithPasskeyMutation);
  const [asking, setAsking] = useState(false);
  const usePasskey = async () => {
    if (asking || form.submitting) return;
    setAsking(true);
    try {
      let credential: string;
      try {
        credential = await getPasskey(options);
      } catch (error) {
        form.fail(passkeyFailure(error));
        return;
      }
      const data = await form.submit(
        () => complete({ input: { mfaChallenge: challenge, credential } }),
        (d) => d.completeMfaLoginWithPasskey,
      );
      if (data?.completeMfaLoginWithPasskey.user) onSignedIn();
    } finally {
      setAsking(false);
    }
  };
  const busy = asking || form.submitting;
  return (
    <div className="actions">
      <button type="button" onClick={usePasskey} disabled={busy} aria-busy={busy || undefined} autoFocus>
        {busy ? <span className="spinner" aria-hidden="true" /> : null}
        Use a passkey
        {busy ? <span className="sr-only"> (Waiting for the passkey…)</span> : null}
      </button>
      <span>or type a code:</span>
    </div>
  );
}
