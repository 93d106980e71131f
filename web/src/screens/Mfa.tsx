import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Screen } from '../components/Screen';
import { requestFailure } from '../errors';
import { graphql } from '../gql';
import type { StartMfaEnrollmentMutation } from '../gql/graphql';
import { useForm } from '../useForm';
import { SecondFactors } from './SecondFactors';

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
