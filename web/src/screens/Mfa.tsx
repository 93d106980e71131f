import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { when } from '../components/format';
import { Screen } from '../components/Screen';
import { requestFailure } from '../errors';
import { graphql } from '../gql';
import type { MfaQuery as MfaData, StartMfaEnrollmentMutation } from '../gql/graphql';
import { createPasskey, passkeyFailure, passkeysSupported } from '../passkeys';
import { useForm } from '../useForm';

const MfaQuery = graphql(`
  query Mfa {
    me {
      id
      mfa {
        enabled
        enabledAt
        recoveryCodesRemaining
        authenticators {
          id
          kind
          name
          createdAt
          lastUsedAt
        }
      }
    }
  }
`);

const StartPasskeyRegistration = graphql(`
  mutation StartPasskeyRegistration($input: StartPasskeyRegistrationInput!) {
    startPasskeyRegistration(input: $input) {
      options
      registrationId
      errors {
        field
        code
        message
      }
    }
  }
`);

const RemoveAuthenticator = graphql(`
  mutation RemoveAuthenticator($input: RemoveAuthenticatorInput!) {
    removeAuthenticator(input: $input) {
      mfa {
        enabled
        enabledAt
        recoveryCodesRemaining
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const FinishPasskeyRegistration = graphql(`
  mutation FinishPasskeyRegistration($input: FinishPasskeyRegistrationInput!) {
    finishPasskeyRegistration(input: $input) {
      authenticator {
        id
        kind
        name
        createdAt
        lastUsedAt
      }
      mfa {
        enabled
        enabledAt
        recoveryCodesRemaining
      }
      recoveryCodes
      errors {
        field
        code
        message
      }
    }
  }
`);

const StartMfaEnrollment = graphql(`
  mutation StartMfaEnrollment {
    startMfaEnrollment {
      enrollment {
        secret
        qrCodeDataUri
        expiresAt
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const ConfirmMfaEnrollment = graphql(`
  mutation ConfirmMfaEnrollment($input: ConfirmMfaEnrollmentInput!) {
    confirmMfaEnrollment(input: $input) {
      mfa {
        enabled
        enabledAt
        recoveryCodesRemaining
      }
      recoveryCodes
      errors {
        field
        code
        message
      }
    }
  }
`);

const DisableMfa = graphql(`
  mutation DisableMfa($input: DisableMfaInput!) {
    disableMfa(input: $input) {
      mfa {
        enabled
        enabledAt
        recoveryCodesRemaining
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const RegenerateRecoveryCodes = graphql(`
  mutation RegenerateRecoveryCodes($input: RegenerateRecoveryCodesInput!) {
    regenerateRecoveryCodes(input: $input) {
      recoveryCodes
      errors {
        field
        code
        message
      }
    }
  }
`);

type Enrollment = NonNullable<StartMfaEnrollmentMutation['startMfaEnrollment']['enrollment']>;
type Authenticators = NonNullable<MfaData['me']>['mfa']['authenticators'];

export function MfaScreen() {
  const [{ data, fetching }, refetch] = useQuery({ query: MfaQuery });
  const [codes, setCodes] = useState<string[] | null>(null);
  const mfa = data?.me?.mfa;
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <Screen title="Multi-Factor Authentication" loading={fetching && !mfa}>
      {codes ? <RecoveryCodes codes={codes} onDone={() => setCodes(null)} /> : null}
      {mfa && !codes ? mfa.enabled ? <Enabled remaining={mfa.recoveryCodesRemaining} onCodes={setCodes} /> : <Enroll onCodes={setCodes} /> : null}
      {mfa && !codes ? <SecondFactors authenticators={mfa.authenticators} onAdded={reload} onCodes={setCodes} /> : null}
    </Screen>
  );
}

const KIND_LABELS: Record<string, string> = { TOTP: 'Authenticator app', PASSKEY: 'Passkey' };

/** The user's second factors (each removable with the password), and "Add a passkey" where the browser can make one. */
function SecondFactors({ authenticators, onAdded, onCodes }: { authenticators: Authenticators; onAdded: () => void; onCodes: (codes: string[]) => void }) {
  const [removing, setRemoving] = useState<string | null>(null);
  const target = authenticators.find((a) => a.id === removing);
  return (
    <section aria-labelledby="factors-title">
      <h2 id="factors-title">Your second factors</h2>
      {authenticators.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Added</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {authenticators.map((a) => (
              <tr key={a.id}>
                <td>{a.name}</td>
                <td>{KIND_LABELS[a.kind] ?? a.kind}</td>
                <td>{when(a.createdAt)}</td>
                <td>{a.lastUsedAt ? when(a.lastUsedAt) : 'Never'}</td>
                <td>
                  <button type="button" className="secondary" aria-expanded={removing === a.id} aria-label={`Remove ${a.name}`} onClick={() => setRemoving(a.id)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>None yet: add an authenticator app above, or a passkey.</p>
      )}
      {target ? (
        <RemoveFactor
          key={target.id}
          id={target.id}
          name={target.name}
          last={authenticators.length === 1}
          onDone={(removed) => {
            setRemoving(null);
            if (removed) onAdded();
          }}
        />
      ) : null}
      {passkeysSupported() ? <AddPasskey onAdded={onAdded} onCodes={onCodes} /> : null}
    </section>
  );
}

/** Removing a second factor asks for the password; removing the last one turns MFA off. */
function RemoveFactor({ id, name, last, onDone }: { id: string; name: string; last: boolean; onDone: (removed: boolean) => void }) {
  const form = useForm({ currentPassword: '' });
  const [, remove] = useMutation(RemoveAuthenticator);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(
      () => remove({ input: { authenticatorId: id, currentPassword: form.values['currentPassword']! } }),
      (d) => d.removeAuthenticator,
    );
    if (data) onDone(true);
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label={`Remove ${name}`} className="callout">
      <h3>Remove {name}</h3>
      {last ? <p>It is your only second factor: removing it turns MFA off.</p> : null}
      <FormStatus form={form} />
      <Field form={form} name="currentPassword" label="Your current password" type="password" autoComplete="current-password" autoFocus />
      <div className="actions">
        <Submit form={form} label="Remove" busyLabel="Removing…" />
        <button type="button" className="secondary" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Name it, let the browser make it, and the API keeps its public key. The first factor turns MFA on. */
function AddPasskey({ onAdded, onCodes }: { onAdded: () => void; onCodes: (codes: string[]) => void }) {
  const form = useForm({ name: '' });
  const [, start] = useMutation(StartPasskeyRegistration);
  const [, finish] = useMutation(FinishPasskeyRegistration);
  const [asking, setAsking] = useState(false);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (asking) return;
    setAsking(true);
    try {
      const started = await form.submit(() => start({ input: { name: form.values['name']!.trim() } }), (d) => d.startPasskeyRegistration);
      const { options, registrationId } = started?.startPasskeyRegistration ?? {};
      if (!options || !registrationId) return;
      let credential: string;
      try {
        credential = await createPasskey(options);
      } catch (error) {
        form.fail(passkeyFailure(error));
        return;
      }
      const done = await form.submit(() => finish({ input: { registrationId, credential } }), (d) => d.finishPasskeyRegistration);
      const added = done?.finishPasskeyRegistration;
      if (!added?.authenticator) return;
      form.reset({ name: '' });
      form.setNotice(`Passkey "${added.authenticator.name}" added.`);
      if (added.recoveryCodes) onCodes(added.recoveryCodes);
      onAdded();
    } finally {
      setAsking(false);
    }
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Add a passkey">
      <h3>Add a passkey</h3>
      <p className="hint">A security key, or a key your device or password manager keeps. It signs you in without a code.</p>
      <FormStatus form={form} />
      <Field form={form} name="name" label="Passkey name" placeholder="e.g. YubiKey 5C" autoComplete="off" />
      <Submit form={form} label="Add a passkey" busyLabel="Waiting for the passkey…" busy={asking} />
    </form>
  );
}

function Enroll({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const [, start] = useMutation(StartMfaEnrollment);
  const [, confirm] = useMutation(ConfirmMfaEnrollment);
  const form = useForm({ code: '' });

  const toggle = async () => {
    if (starting) return;
    if (enrollment) {
      setEnrollment(null); // the pending secret simply expires
      return;
    }
    setStarting(true);
    setStartError(null);
    const result = await start({});
    setStarting(false);
    const payload = result.data?.startMfaEnrollment;
    if (result.error) setStartError(requestFailure(result.error));
    else if (payload?.errors.length) setStartError(payload.errors.map((e) => e.message).join(' '));
    else if (payload?.enrollment) setEnrollment(payload.enrollment);
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(() => confirm({ input: { code: form.values['code']!.replace(/\s/g, '') } }), (d) => d.confirmMfaEnrollment);
    const codes = data?.confirmMfaEnrollment.recoveryCodes;
    if (codes) onCodes(codes);
  };

  return (
    <>
      <div className="switch-row">
        <button type="button" role="switch" aria-checked={enrollment !== null} aria-busy={starting || undefined} disabled={starting} onClick={toggle} id="mfa-switch">
          <span className="switch-track" aria-hidden="true" />
          Please Enable your MFA First
        </button>
      </div>
      {startError ? (
        <p className="form-errors" role="alert">
          {startError}
        </p>
      ) : null}
      {enrollment ? (
        <form onSubmit={onSubmit} noValidate aria-label="Confirm MFA">
          <ol className="steps">
            <li>
              Scan this QR code with your authenticator app:
              <img className="qr" src={enrollment.qrCodeDataUri} alt="QR code for your authenticator app" width={200} height={200} />
              <p>
                Or type this secret by hand: <code data-testid="mfa-secret">{enrollment.secret}</code>
              </p>
            </li>
            <li>Type the 6-digit code the app shows.</li>
          </ol>
          <FormStatus form={form} />
          <Field form={form} name="code" label="Code from the app" inputMode="numeric" autoComplete="one-time-code" />
          <div className="actions">
            <Submit form={form} label="Submit" busyLabel="Checking…" />
          </div>
        </form>
      ) : null}
    </>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="callout" role="region" aria-label="Recovery codes">
      <p>
        <strong>MFA is on.</strong> Keep these recovery codes somewhere safe: each signs you in once if you lose your phone. They are shown only
        this once.
      </p>
      <ul className="codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onDone}>
        I have saved them
      </button>
    </div>
  );
}

function Enabled({ remaining, onCodes }: { remaining: number; onCodes: (codes: string[]) => void }) {
  const [disabling, setDisabling] = useState(false);
  return (
    <>
      <div className="switch-row">
        <button type="button" role="switch" aria-checked={!disabling} onClick={() => setDisabling((d) => !d)}>
          <span className="switch-track" aria-hidden="true" />
          MFA is enabled
        </button>
      </div>
      <p>{remaining} of 10 recovery codes left.</p>
      {disabling ? <DisableForm /> : <RegenerateForm onCodes={onCodes} />}
    </>
  );
}

function DisableForm() {
  const form = useForm({ password: '', code: '' });
  const [, disable] = useMutation(DisableMfa);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    await form.submit(() => disable({ input: { password: form.values['password']!, code: form.values['code']!.trim() } }), (d) => d.disableMfa);
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Turn MFA off">
      <h2>Turn MFA off</h2>
      <FormStatus form={form} />
      <Field form={form} name="password" label="Password" type="password" autoComplete="current-password" />
      <Field form={form} name="code" label="Code from the app, or a recovery code" autoComplete="one-time-code" />
      <Submit form={form} label="Turn off MFA" />
    </form>
  );
}

function RegenerateForm({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const form = useForm({ code: '' });
  const [, regenerate] = useMutation(RegenerateRecoveryCodes);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(() => regenerate({ input: { code: form.values['code']!.trim() } }), (d) => d.regenerateRecoveryCodes);
    const codes = data?.regenerateRecoveryCodes.recoveryCodes;
    if (codes) onCodes(codes);
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="New recovery codes">
      <h2>New recovery codes</h2>
      <FormStatus form={form} />
      <Field form={form} name="code" label="Code from the app" inputMode="numeric" autoComplete="one-time-code" />
      <Submit form={form} label="Replace recovery codes" />
    </form>
  );
}
