import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Field, ReadOnly } from '../components/Field';
import { STATUS_LABELS, when } from '../components/format';
import { FormStatus, Submit } from '../components/FormStatus';
import { Screen } from '../components/Screen';
import { optional, required } from '../form';
import { graphql } from '../gql';
import { useSession } from '../session';
import { useForm } from '../useForm';
import { requestFailure } from '../errors';

const NumberQuery = graphql(`
  query AccountNumber {
    me {
      id
      account {
        id
        kind
        organizationNumber
        personalNumber
        country
        transferRequests {
          id
          status
          requestedNumber
          newHolderName
          submittedAt
          resolvedAt
          resolutionNote
        }
      }
    }
  }
`);

const SubmitTransferRequest = graphql(`
  mutation SubmitTransferRequest($input: SubmitTransferRequestInput!) {
    submitTransferRequest(input: $input) {
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

const CancelTransferRequest = graphql(`
  mutation CancelTransferRequest($input: CancelTransferRequestInput!) {
    cancelTransferRequest(input: $input) {
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

// An empty list names no type for a new request to invalidate.
const REQUESTS_CONTEXT = { additionalTypenames: ['TransferRequest'] };

export function NumberScreen() {
  const { viewer } = useSession();
  const [{ data, fetching }] = useQuery({ query: NumberQuery, context: REQUESTS_CONTEXT });
  const account = data?.me?.account;
  const business = account?.kind === 'BUSINESS';
  const label = business ? 'Organization number' : 'Personal number';
  const pending = account?.transferRequests.some((t) => t.status === 'SUBMITTED');
  return (
    <Screen title={account && !business ? 'Personal Number' : 'Organization Number'} loading={fetching && !account}>
      {account ? (
        <>
          <dl className="readonly-list">
            <ReadOnly label={label} value={business ? account.organizationNumber : account.personalNumber} />
            <ReadOnly label="Country" value={account.country} />
          </dl>
          <p className="muted">The number cannot be edited. To change it, ask us with a transfer request.</p>
          {account.transferRequests.length ? <RequestList requests={account.transferRequests} canCancel={viewer.role === 'ACCOUNT_ADMIN'} /> : null}
          {viewer.role === 'ACCOUNT_ADMIN' && !pending ? <RequestForm label={label} /> : null}
        </>
      ) : null}
    </Screen>
  );
}

type Request = { id: string; status: string; requestedNumber: string; newHolderName: string; submittedAt: string; resolvedAt?: string | null; resolutionNote?: string | null };

function RequestList({ requests, canCancel }: { requests: readonly Request[]; canCancel: boolean }) {
  const [{ fetching }, cancel] = useMutation(CancelTransferRequest);
  const [error, setError] = useState<string | null>(null);
  const onCancel = async (id: string) => {
    if (fetching) return;
    const result = await cancel({ input: { transferRequestId: id } });
    const errors = result.data?.cancelTransferRequest.errors ?? [];
    setError(result.error ? requestFailure(result.error) : errors.map((e) => e.message).join(' ') || null);
  };
  return (
    <>
      <h2>Transfer requests</h2>
      {error ? (
        <p className="form-errors" role="alert">
          {error}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Requested number</th>
            <th scope="col">New holder</th>
            <th scope="col">Submitted</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {requests.map((t) => (
            <tr key={t.id}>
              <td>{t.requestedNumber}</td>
              <td>{t.newHolderName}</td>
              <td>{when(t.submittedAt)}</td>
              <td>
                {STATUS_LABELS[t.status] ?? t.status}
                {t.resolutionNote ? <div className="muted">{t.resolutionNote}</div> : null}
              </td>
              <td>
                {canCancel && t.status === 'SUBMITTED' ? (
                  <button type="button" className="secondary" disabled={fetching} onClick={() => void onCancel(t.id)}>
                    Withdraw
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function RequestForm({ label }: { label: string }) {
  const empty = { requestedNumber: '', newHolderName: '', reason: '' };
  const form = useForm(empty);
  const [, submit] = useMutation(SubmitTransferRequest);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const v = form.values;
    const input = { requestedNumber: required(v['requestedNumber']), newHolderName: required(v['newHolderName']), reason: optional(v['reason']) };
    if (await form.submit(() => submit({ input }), (d) => d.submitTransferRequest)) form.reset(empty);
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Transfer request">
      <h2>Request a transfer</h2>
      <FormStatus form={form} />
      <div className="grid">
        <Field form={form} name="requestedNumber" label={`New ${label.toLowerCase()}`} />
        <Field form={form} name="newHolderName" label="New holder's name" />
        <Field form={form} name="reason" label="Reason" />
      </div>
      <div className="actions">
        <Submit form={form} label="Submit request" busyLabel="Submitting…" />
      </div>
    </form>
  );
}
