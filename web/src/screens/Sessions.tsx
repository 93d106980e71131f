import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { when } from '../components/format';
import { Screen } from '../components/Screen';
import { requestFailure } from '../errors';
import { graphql } from '../gql';
import { useSession } from '../session';

const SessionsQuery = graphql(`
  query Sessions {
    me {
      id
      sessions {
        id
        current
        createdAt
        lastSeenAt
        userAgent
        ipAddress
      }
    }
  }
`);

const RevokeSession = graphql(`
  mutation RevokeSession($input: RevokeSessionInput!) {
    revokeSession(input: $input) {
      errors {
        field
        code
        message
      }
    }
  }
`);

export function SessionsScreen() {
  const { signedOut } = useSession();
  const [{ data, fetching }, reload] = useQuery({ query: SessionsQuery });
  const [revoke, doRevoke] = useMutation(RevokeSession);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sessions = data?.me?.sessions;

  const onRevoke = async (id: string, current: boolean) => {
    if (revoke.fetching) return;
    setBusyId(id);
    const result = await doRevoke({ input: { sessionId: id } });
    setBusyId(null);
    const errors = result.data?.revokeSession.errors ?? [];
    if (result.error) setError(requestFailure(result.error));
    else if (errors.length) setError(errors.map((e) => e.message).join(' '));
    else if (current) signedOut();
    else {
      setError(null);
      reload({ requestPolicy: 'network-only' }); // the payload carries no session to invalidate the list by
    }
  };

  return (
    <Screen title="Sessions" loading={fetching && !sessions} intro="Where you are signed in. Sign out a device you do not recognise, then change your password.">
      {error ? (
        <p className="form-errors" role="alert">
          {error}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(sessions ?? []).map((s) => (
            <tr key={s.id}>
              <td>
                {s.userAgent ?? 'Unknown device'}
                {s.current ? <span className="badge ok">This device</span> : null}
              </td>
              <td>{s.ipAddress ?? '—'}</td>
              <td>{when(s.createdAt)}</td>
              <td>{when(s.lastSeenAt)}</td>
              <td>
                <button
                  type="button"
                  className="secondary"
                  disabled={revoke.fetching}
                  aria-busy={busyId === s.id || undefined}
                  onClick={() => void onRevoke(s.id, s.current)}
                >
                  Sign out{s.current ? ' here' : ''}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Screen>
  );
}
