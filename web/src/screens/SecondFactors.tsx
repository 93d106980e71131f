// The MFA screen's list of second factors: add a passkey, remove a factor with the password.
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Field } from '../components/Field';
import { when } from '../components/format';
import { FormStatus, Submit } from '../components/FormStatus';
import { graphql } from '../gql';
import type { MfaQuery } from '../gql/graphql';
import { createPasskey, passkeyFailure, passkeysSupported } from '../passkeys';
import { useForm } from '../useForm';

type Authenticators = NonNullable<MfaQuery['me']>['mfa']['authenticators'];

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

const KIND_LABELS: Record<string, string> = { TOTP: 'Authenticator app', PASSKEY: 'Passkey' };

/** The user's second factors (each removable with the password), and "Add a passkey" where the browser can make one. */
export function SecondFactors({ authenticators, onAdded, onCodes }: { authenticators: Authenticators; onAdded: () => void; onCodes: (codes: string[]) => void }) {
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
