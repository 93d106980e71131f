import { useState } from 'react';
import { useClient, useQuery } from 'urql';
import { when } from '../components/format';
import { Screen } from '../components/Screen';
import { actionLabel, failureLabel } from '../components/securityEvents';
import { requestFailure } from '../errors';
import { graphql } from '../gql';
import type { SecurityEventsQuery as Page } from '../gql/graphql';

const PAGE_SIZE = 20;

const SecurityEventsQuery = graphql(`
  query SecurityEvents($first: Int!, $after: String) {
    me {
      id
      securityEvents(first: $first, after: $after) {
        edges {
          cursor
          node {
            id
            occurredAt
            action
            ipAddress
            userAgent
            reason
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

type Connection = NonNullable<Page['me']>['securityEvents'];

/** The user's own security events, newest first; "Load more" follows the cursor to older ones. */
export function SecurityLogScreen() {
  const client = useClient();
  // Always asked again: the log grows with every sign-in, a cached first page would be stale.
  const [{ data, fetching, error: firstError }] = useQuery({
    query: SecurityEventsQuery,
    variables: { first: PAGE_SIZE, after: null },
    requestPolicy: 'cache-and-network',
  });
  const [older, setOlder] = useState<Connection[]>([]);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const first = data?.me?.securityEvents;
  const pages = first ? [first, ...older] : [];
  const last = pages[pages.length - 1];
  const events = pages.flatMap((p) => p.edges.map((e) => e.node));

  const loadMore = async () => {
    const after = last?.pageInfo.endCursor;
    if (loadingMore || !after) return;
    setLoadingMore(true);
    const result = await client.query(SecurityEventsQuery, { first: PAGE_SIZE, after }, { requestPolicy: 'network-only' }).toPromise();
    setLoadingMore(false);
    const page = result.data?.me?.securityEvents;
    if (result.error || !page) setError(result.error ? requestFailure(result.error) : 'The older events could not be loaded.');
    else {
      setError(null);
      setOlder((o) => [...o, page]);
    }
  };

  const shownError = error ?? (firstError ? requestFailure(firstError) : null);
  return (
    <Screen
      title="Security log"
      loading={fetching && !first}
      intro="Sign-ins, refused sign-ins and changes to how you sign in, newest first. If you see something you did not do, change your password and sign out the other sessions."
    >
      {shownError ? (
        <p className="form-errors" role="alert">
          {shownError}
        </p>
      ) : null}
      {first && !events.length ? <p>No events yet.</p> : null}
      {events.length ? (
        <table className="log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">What happened</th>
              <th scope="col">IP address</th>
              <th scope="col">Device</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => {
              const failure = failureLabel(e.action, e.reason);
              return (
                <tr key={e.id} className={failure ? 'failed' : undefined}>
                  <td>
                    <time dateTime={e.occurredAt}>{when(e.occurredAt)}</time>
                  </td>
                  <td>
                    {actionLabel(e.action)}
                    {failure ? <span className="badge warn">Failed: {failure}</span> : null}
                  </td>
                  <td>{e.ipAddress ?? '—'}</td>
                  <td className="device">{e.userAgent ?? 'Unknown device'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <div className="actions">
        {last?.pageInfo.hasNextPage ? (
          <button type="button" className="secondary" onClick={() => void loadMore()} disabled={loadingMore} aria-busy={loadingMore || undefined}>
            {loadingMore ? <span className="spinner" aria-hidden="true" /> : null}
            Load more
          </button>
        ) : first && events.length ? (
          <p className="muted">No older events.</p>
        ) : null}
      </div>
      <p className="sr-only" role="status">
        {events.length ? `${events.length} events shown.` : ''}
      </p>
    </Screen>
  );
}
