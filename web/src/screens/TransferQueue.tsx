import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { fieldId } from '../components/Field';
import { when } from '../components/format';
import { Screen } from '../components/Screen';
import { requestFailure } from '../errors';
import { graphql } from '../gql';
import type { TransferQueueQuery } from '../gql/graphql';

const TransferQueueQuery = graphql(`
  query TransferQueue {
    transferRequests(status: SUBMITTED) {
      id
      status
      currentNumber
      requestedNumber
      newHolderName
      reason
      submittedAt
      account {
        id
        kind
        customerInfo {
          companyName
          contactPerson
        }
      }
    }
  }
`);

const ResolveTransferRequest = graphql(`
  mutation ResolveTransferRequest($input: ResolveTransferRequestInput!) {
    resolveTransferRequest(input: $input) {
      transferRequest {
        id
        status
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const REQUESTS_CONTEXT = { additionalTypenames: ['TransferRequest'] };

export function TransferQueueScreen() {
  const [{ data, fetching }] = useQuery({ query: TransferQueueQuery, context: REQUESTS_CONTEXT });
  const requests = data?.transferRequests;
  return (
    <Screen title="Transfer Requests" loading={fetching && !requests} intro="Requests to change an account's organization or personal number, oldest first.">
      {requests && !requests.length ? <p>No requests are waiting.</p> : null}
      <ul className="queue">
        {(requests ?? []).map((t) => (
          <QueueItem key={t.id} request={t} />
        ))}
      </ul>
    </Screen>
  );
}

type Item = TransferQueueQuery['transferRequests'][number];

function QueueItem({ request: t }: { request: Item }) {
  const [{ fetching }, resolve] = useMutation(ResolveTransferRequest);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const noteId = fieldId(`note-${t.id}`);
  const onResolve = async (approve: boolean) => {
    if (fetching) return;
    const result = await resolve({ input: { transferRequestId: t.id, approve, note: note.trim() || null } });
    const errors = result.data?.resolveTransferRequest.errors ?? [];
    setError(result.error ? requestFailure(result.error) : errors.map((e) => e.message).join(' ') || null);
  };
  const holder = t.account.customerInfo.companyName ?? t.account.customerInfo.contactPerson;
  return (
    <li className="card" aria-label={`Request from ${holder}`}>
      <h2>{holder}</h2>
      <dl className="readonly-list">
        <div className="field readonly">
          <dt>Current number</dt>
          <dd>{t.currentNumber ?? '—'}</dd>
        </div>
        <div className="field readonly">
          <dt>Requested number</dt>
          <dd>{t.requestedNumber}</dd>
        </div>
        <div className="field readonly">
          <dt>New holder</dt>
          <dd>{t.newHolderName}</dd>
        </div>
        <div className="field readonly">
          <dt>Submitted</dt>
          <dd>{when(t.submittedAt)}</dd>
        </div>
        <div className="field readonly">
          <dt>Reason</dt>
          <dd>{t.reason ?? '—'}</dd>
        </div>
      </dl>
      <div className="field">
        <label htmlFor={noteId}>Note to the customer</label>
        <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" disabled={fetching} aria-busy={fetching || undefined} onClick={() => void onResolve(true)}>
          Approve
        </button>
        <button type="button" className="danger" disabled={fetching} onClick={() => void onResolve(false)}>
          Reject
        </button>
      </div>
    </li>
  );
}
