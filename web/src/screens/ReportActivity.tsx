import { useEffect, useState } from 'react';
import { useMutation } from 'urql';
import { Link } from '../components/Layout';
import { requestFailure } from '../errors';
import { graphql } from '../gql';
import { RESET_PASSWORD_PATH, SIGN_IN_PATH } from '../routes';

const ReportActivityMutation = graphql(`
  mutation ReportUnrecognizedActivity($input: ReportUnrecognizedActivityInput!) {
    reportUnrecognizedActivity(input: $input) {
      errors {
        field
        code
        message
      }
    }
  }
`);

/** The token of a "This wasn't me" link, from the URL fragment (#token=...), which no request carries. */
export function tokenFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token')?.trim() ?? '';
}

/**
 * "This wasn't me", from a security mail: public, no sign-in. The token is read once from the
 * fragment and then dropped from the address bar (and history); it goes only to the mutation.
 */
export function ReportActivityScreen() {
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [state, setState] = useState<'ask' | 'done'>('ask');
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, report] = useMutation(ReportActivityMutation);

  useEffect(() => {
    document.title = "This wasn't me · Tenantry";
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }, []);

  const onConfirm = async () => {
    if (fetching) return;
    const result = await report({ input: { token } });
    const errors = result.data?.reportUnrecognizedActivity.errors ?? [];
    if (result.error) setError(requestFailure(result.error));
    else if (errors.length) setError(errors.map((e) => e.message).join(' '));
    else {
      setError(null);
      setState('done');
    }
  };

  return (
    <main className="signin" id="main">
      <h1>{state === 'done' ? 'Your account is secured' : "This wasn't me"}</h1>
      {state === 'done' ? (
        <div role="status">
          <p>Thank you for telling us. Every session of your account has been signed out, on every device, and its passkeys were removed.</p>
          <p>
            <strong>Your password must now be reset</strong> before anyone can sign in with it again. We mail a code to your sign-in email
            for that.
          </p>
          <p>
            <Link to={RESET_PASSWORD_PATH} className="button">
              Reset your password
            </Link>
          </p>
        </div>
      ) : !token ? (
        <div className="form-errors" role="alert">
          <p>This link is incomplete: it has no token. Open the link from the mail again, or copy all of it into the address bar.</p>
        </div>
      ) : (
        <>
          <p>You followed a link from one of our security mails to say that you did not do what it describes.</p>
          <p>If you confirm, we sign out every session of your account at once, remove its passkeys and require a new password.</p>
          {error ? (
            <div className="form-errors" role="alert">
              <p>{error}</p>
              <p>
                If you still think someone else is using your account, <Link to={RESET_PASSWORD_PATH}>reset your password</Link>.
              </p>
            </div>
          ) : null}
          <div className="actions">
            <button type="button" className="danger" onClick={() => void onConfirm()} disabled={fetching} aria-busy={fetching || undefined}>
              {fetching ? <span className="spinner" aria-hidden="true" /> : null}
              Yes, this wasn't me
            </button>
            <Link to={SIGN_IN_PATH}>No, it was me</Link>
          </div>
        </>
      )}
    </main>
  );
}
