import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { ConfirmDialog } from '../components/Dialogs';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { when } from '../components/format';
import { Screen } from '../components/Screen';
import { requestFailure } from '../errors';
import { graphql } from '../gql';
import type { ApiScope, ApiTokensQuery } from '../gql/graphql';
import { useForm } from '../useForm';

const ApiTokensQueryDoc = graphql(`
  query ApiTokens {
    me {
      id
      role
      apiTokens {
        id
        name
        prefix
        scopes
        createdAt
        expiresAt
        lastUsedAt
        lastUsedIp
        revokedAt
      }
    }
    currentCredential {
      scopes
    }
  }
`);

const CreateApiToken = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      secret
      apiToken {
        id
        name
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const RevokeApiToken = graphql(`
  mutation RevokeApiToken($input: RevokeApiTokenInput!) {
    revokeApiToken(input: $input) {
      apiToken {
        id
        revokedAt
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

type Token = NonNullable<ApiTokensQuery['me']>['apiTokens'][number];

/** What each scope lets a token do, in the words of the API's own descriptions. */
export const SCOPE_LABELS: Record<ApiScope, string> = {
  PROFILE_READ: 'Read your profile, MFA status, sessions and security events',
  PROFILE_WRITE: 'Change your profile (not the sign-in email)',
  ACCOUNT_READ: 'Read the account: customer info, contacts, transfer requests',
  ACCOUNT_WRITE: 'Change customer info and contact emails',
  TRANSFERS_WRITE: 'Submit and cancel transfer requests',
  TRANSFERS_RESOLVE: 'List and resolve every transfer request',
  BILLING_READ: "Read the provider's billing profile",
  AUDIT_READ: 'Read the audit logs you may read',
};

const EXPIRY_CHOICES = ['7', '30', '90', '180', '366'];

export function tokenStatus(token: Pick<Token, 'revokedAt' | 'expiresAt'>, now = Date.now()): string {
  if (token.revokedAt) return `Revoked ${when(token.revokedAt)}`;
  if (Date.parse(token.expiresAt) <= now) return `Expired ${when(token.expiresAt)}`;
  return `Expires ${when(token.expiresAt)}`;
}

export function ApiTokensScreen() {
  const [{ data, fetching, error }, reload] = useQuery({ query: ApiTokensQueryDoc });
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const tokens = data?.me?.apiTokens;
  const allowed = data?.currentCredential?.scopes ?? [];
  const refresh = () => reload({ requestPolicy: 'network-only' });

  return (
    <Screen
      title="API Tokens"
      loading={fetching && !tokens}
      intro="Tokens let your scripts and integrations call the API as you, limited to the scopes you pick. A token never does more than your role allows."
    >
      {error ? (
        <p className="form-errors" role="alert">
          {requestFailure(error)}
        </p>
      ) : null}
      {secret ? <NewSecret name={secret.name} value={secret.value} onDone={() => setSecret(null)} /> : null}
      <CreateTokenForm
        allowed={allowed}
        onCreated={(name, value) => {
          setSecret({ name, value });
          refresh();
        }}
      />
      <h2>Your tokens</h2>
      {tokens && !tokens.length ? <p className="muted">You have no API tokens.</p> : null}
      {tokens?.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Token</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{t.scopes.join(', ')}</td>
                <td>{t.lastUsedAt ? `${when(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}` : 'Never'}</td>
                <td>{tokenStatus(t)}</td>
                <td>
                  {!t.revokedAt && Date.parse(t.expiresAt) > Date.now() ? (
                    <button type="button" className="secondary" onClick={() => setRevoking(t)}>
                      Revoke<span className="sr-only"> {t.name}</span>
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {revoking ? (
        <RevokeDialog
          token={revoking}
          onDone={(changed) => {
            setRevoking(null);
            if (changed) refresh();
          }}
        />
      ) : null}
    </Screen>
  );
}

function CreateTokenForm({ allowed, onCreated }: { allowed: readonly ApiScope[]; onCreated: (name: string, secret: string) => void }) {
  const empty = { name: '', expiresInDays: '90', currentPassword: '' };
  const form = useForm(empty);
  const [scopes, setScopes] = useState<ApiScope[]>([]);
  const [, create] = useMutation(CreateApiToken);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const name = form.values['name'] ?? '';
    const data = await form.submit(
      () =>
        create({
          input: {
            name,
            scopes,
            expiresInDays: Number(form.values['expiresInDays']),
            currentPassword: form.values['currentPassword'] ?? '',
          },
        }),
      (d) => d.createApiToken,
    );
    const created = data?.createApiToken;
    if (!created?.secret) return;
    form.reset(empty);
    setScopes([]);
    onCreated(created.apiToken?.name ?? name, created.secret);
  };
  const toggle = (scope: ApiScope) => setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));
  const scopeErrors = form.errors.fields['scopes'] ?? [];
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Create an API token">
      <h2>Create a token</h2>
      <FormStatus form={form} />
      <Field form={form} name="name" label="Name" maxLength={100} hint="What the token is for, e.g. the script that uses it." autoComplete="off" />
      <ScopeChoices allowed={allowed} chosen={scopes} toggle={toggle} errors={scopeErrors} register={form.register} />
      <div className="field">
        <label htmlFor="field-expiresInDays">Expires after</label>
        <select id="field-expiresInDays" value={form.values['expiresInDays']} onChange={(e) => form.set('expiresInDays', e.target.value)}>
          {EXPIRY_CHOICES.map((days) => (
            <option key={days} value={days}>
              {days} days
            </option>
          ))}
        </select>
        {form.errors.fields['expiresInDays']?.length ? <p className="field-error">{form.errors.fields['expiresInDays'].join(' ')}</p> : null}
      </div>
      <Field form={form} name="currentPassword" label="Your password" type="password" autoComplete="current-password" />
      <div className="actions">
        <Submit form={form} label="Create token" busyLabel="Creating…" />
      </div>
    </form>
  );
}

function ScopeChoices({
  allowed,
  chosen,
  toggle,
  errors,
  register,
}: {
  allowed: readonly ApiScope[];
  chosen: readonly ApiScope[];
  toggle: (scope: ApiScope) => void;
  errors: readonly string[];
  register: (name: string) => () => void;
}) {
  // The field is on screen: SCOPE_NOT_ALLOWED and "pick one" errors show here, not at the top.
  useEffect(() => register('scopes'), [register]);
  return (
    <fieldset className="field" aria-describedby={errors.length ? 'field-scopes-error' : undefined}>
      <legend>Scopes</legend>
      {allowed.map((scope) => (
        <label key={scope} className="checkbox">
          <input type="checkbox" checked={chosen.includes(scope)} onChange={() => toggle(scope)} /> <code>{scope}</code> — {SCOPE_LABELS[scope]}
        </label>
      ))}
      {errors.length ? (
        <p id="field-scopes-error" className="field-error">
          {errors.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}

function NewSecret({ name, value, onDone }: { name: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied');
    } catch {
      setCopied('Copying was refused: select the token and copy it');
    }
  };
  return (
    <div className="notice secret" role="status">
      <p>
        Your new token <strong>{name}</strong>. Copy it now: it is shown this once and cannot be shown again.
      </p>
      <p>
        <code data-testid="new-token-secret">{value}</code>
      </p>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {copied ?? 'Copy to clipboard'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

function RevokeDialog({ token, onDone }: { token: Token; onDone: (changed: boolean) => void }) {
  const [{ fetching }, revoke] = useMutation(RevokeApiToken);
  const [errors, setErrors] = useState<string[]>([]);
  const onConfirm = async () => {
    if (fetching) return;
    const result = await revoke({ input: { apiTokenId: token.id } });
    const found = result.data?.revokeApiToken.errors ?? [];
    if (result.error) setErrors([requestFailure(result.error)]);
    else if (found.length) setErrors(found.map((e) => e.message));
    else onDone(true);
  };
  return (
    <ConfirmDialog title="Revoke this token?" confirmLabel="Yes, Revoke" busy={fetching} onConfirm={() => void onConfirm()} onCancel={() => onDone(false)}>
      <p>
        <strong>{token.name}</strong> (<code>{token.prefix}…</code>) stops working at once. Scripts that use it will get UNAUTHENTICATED.
      </p>
      {errors.length ? (
        <p className="field-error" role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}
