import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { ConfirmDialog, SlidePane } from '../components/Dialogs';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Screen } from '../components/Screen';
import { requestFailure, type UserErrorLike } from '../errors';
import { graphql } from '../gql';
import type { ContactRole, ContactsQuery } from '../gql/graphql';
import { useSession } from '../session';
import { useForm } from '../useForm';

const ContactsQueryDoc = graphql(`
  query Contacts {
    me {
      id
      account {
        id
        contacts {
          id
          email
          verified
          roles
        }
      }
    }
  }
`);

const AddContactEmail = graphql(`
  mutation AddContactEmail($input: AddContactEmailInput!) {
    addContactEmail(input: $input) {
      contact {
        id
        email
        verified
        roles
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const VerifyContactEmail = graphql(`
  mutation VerifyContactEmail($input: VerifyContactEmailInput!) {
    verifyContactEmail(input: $input) {
      contact {
        id
        email
        verified
        roles
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const ResendContactVerification = graphql(`
  mutation ResendContactVerification($input: ResendContactVerificationInput!) {
    resendContactVerification(input: $input) {
      contact {
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

const SetContactRoles = graphql(`
  mutation SetContactRoles($input: SetContactRolesInput!) {
    setContactRoles(input: $input) {
      contacts {
        id
        email
        verified
        roles
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const RemoveContactEmail = graphql(`
  mutation RemoveContactEmail($input: RemoveContactEmailInput!) {
    removeContactEmail(input: $input) {
      contacts {
        id
        email
        verified
        roles
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

type Contact = NonNullable<ContactsQuery['me']>['account']['contacts'][number];

export const ROLES: readonly { role: ContactRole; label: string }[] = [
  { role: 'BILLING', label: 'Billing' },
  { role: 'TECH', label: 'Tech' },
  { role: 'DPO', label: 'DPO' },
];

/** The whole new set of roles after clicking one, in the API's BILLING, TECH, DPO order. */
export function toggleRole(roles: readonly ContactRole[], role: ContactRole): ContactRole[] {
  const next = new Set(roles);
  if (next.has(role)) next.delete(role);
  else next.add(role);
  return ROLES.map((r) => r.role).filter((r) => next.has(r));
}

type Pane = { step: 'email' } | { step: 'code'; contact: Contact } | { step: 'roles'; contactId: string };

export function ContactsScreen() {
  const { viewer } = useSession();
  const [{ data, fetching }] = useQuery({ query: ContactsQueryDoc });
  const [pane, setPane] = useState<Pane | null>(null);
  const [removing, setRemoving] = useState<Contact | null>(null);
  const [modifying, setModifying] = useState<string | null>(null);
  const contacts = data?.me?.account.contacts;
  const canEdit = viewer.role === 'ACCOUNT_ADMIN';
  const paneContact = pane?.step === 'roles' ? contacts?.find((c) => c.id === pane.contactId) : undefined;

  return (
    <Screen title="Contact" loading={fetching && !contacts} intro="The addresses we write to, and what each receives: Billing, Tech or DPO mail.">
      {canEdit ? (
        <div className="actions">
          <button type="button" onClick={() => setPane({ step: 'email' })}>
            Create new Email
          </button>
        </div>
      ) : (
        <p className="callout">Only your account's administrator can change contacts.</p>
      )}
      <ul className="contacts" aria-label="Contact emails">
        {(contacts ?? []).map((c) => (
          <ContactRow
            key={c.id}
            contact={c}
            canEdit={canEdit}
            modifying={modifying === c.id}
            onModify={() => setModifying(modifying === c.id ? null : c.id)}
            onVerify={() => setPane({ step: 'code', contact: c })}
            onDelete={() => setRemoving(c)}
          />
        ))}
      </ul>
      {pane ? (
        <SlidePane title={pane.step === 'roles' ? 'Pick roles' : 'Create new Email'} onClose={() => setPane(null)}>
          {pane.step === 'email' ? <AddStep onAdded={(contact) => setPane({ step: 'code', contact })} /> : null}
          {pane.step === 'code' ? <CodeStep contact={pane.contact} onVerified={() => setPane({ step: 'roles', contactId: pane.contact.id })} /> : null}
          {pane.step === 'roles' && paneContact ? <RoleButtons contact={paneContact} /> : null}
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setPane(null)}>
              Back
            </button>
          </div>
        </SlidePane>
      ) : null}
      {removing ? <RemoveDialog contact={removing} onDone={() => setRemoving(null)} /> : null}
    </Screen>
  );
}

function ContactRow(props: { contact: Contact; canEdit: boolean; modifying: boolean; onModify: () => void; onVerify: () => void; onDelete: () => void }) {
  const { contact: c, canEdit, modifying } = props;
  return (
    <li className="contact">
      <div className="contact-main">
        <span className="contact-email">{c.email}</span>
        {c.verified ? <span className="badge ok">Verified</span> : <span className="badge warn">Not verified</span>}
        <span className="roles" aria-label={`Roles of ${c.email}`}>
          {c.roles.length ? c.roles.map((r) => <span key={r} className="chip">{ROLES.find((x) => x.role === r)?.label}</span>) : <span className="muted">No roles</span>}
        </span>
        {canEdit ? (
          <span className="row-actions">
            {c.verified ? (
              <button type="button" className="secondary" aria-expanded={modifying} onClick={props.onModify}>
                {modifying ? 'Done' : 'Modify'}
                <span className="sr-only"> {modifying ? 'changing roles of' : 'roles of'} {c.email}</span>
              </button>
            ) : (
              <button type="button" className="secondary" onClick={props.onVerify}>
                Verify<span className="sr-only"> {c.email}</span>
              </button>
            )}
            <button type="button" className="icon" onClick={props.onDelete} aria-label={`Delete ${c.email}`} title="Delete">
              <TrashIcon />
            </button>
          </span>
        ) : null}
      </div>
      {modifying ? <RoleButtons contact={c} /> : null}
    </li>
  );
}

function AddStep({ onAdded }: { onAdded: (contact: Contact) => void }) {
  const form = useForm({ email: '' });
  const [, add] = useMutation(AddContactEmail);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(() => add({ input: { email: form.values['email']!.trim() } }), (d) => d.addContactEmail);
    if (data?.addContactEmail.contact) onAdded(data.addContactEmail.contact);
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="New contact email">
      <FormStatus form={form} />
      <Field form={form} name="email" label="Email" type="email" autoComplete="off" hint="We mail a code to it, to check it is yours." />
      <Submit form={form} label="Send code" busyLabel="Sending…" />
    </form>
  );
}

function CodeStep({ contact, onVerified }: { contact: Contact; onVerified: () => void }) {
  const form = useForm({ code: '' });
  const [, verify] = useMutation(VerifyContactEmail);
  const [resend, doResend] = useMutation(ResendContactVerification);
  const [resent, setResent] = useState<string | null>(null);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(
      () => verify({ input: { contactId: contact.id, code: form.values['code']!.trim() } }),
      (d) => d.verifyContactEmail,
    );
    if (data?.verifyContactEmail.contact) onVerified();
  };
  const onResend = async () => {
    const result = await doResend({ input: { contactId: contact.id } });
    const errors = result.data?.resendContactVerification.errors ?? [];
    setResent(result.error ? requestFailure(result.error) : errors.length ? errors.map((e) => e.message).join(' ') : 'A new code is on its way.');
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Verify contact email">
      <p>
        A code was mailed to <strong>{contact.email}</strong>.
      </p>
      <FormStatus form={form} />
      <Field form={form} name="code" label="Code" inputMode="numeric" autoComplete="one-time-code" />
      <div className="actions">
        <Submit form={form} label="Verify" busyLabel="Checking…" />
        <button type="button" className="link" onClick={onResend} disabled={resend.fetching}>
          Mail a new code
        </button>
      </div>
      <p role="status" className="notice">
        {resent}
      </p>
    </form>
  );
}

/** Billing, Tech and DPO as toggle buttons: each click saves the contact's whole new set. */
function RoleButtons({ contact }: { contact: Contact }) {
  const [{ fetching }, setRoles] = useMutation(SetContactRoles);
  const [errors, setErrors] = useState<string[]>([]);
  const onClick = async (role: ContactRole) => {
    if (fetching) return;
    const result = await setRoles({ input: { contactId: contact.id, roles: toggleRole(contact.roles, role) } });
    const userErrors: readonly UserErrorLike[] = result.data?.setContactRoles.errors ?? [];
    setErrors(result.error ? [requestFailure(result.error)] : userErrors.map((e) => e.message));
  };
  return (
    <div className="role-picker" role="group" aria-label={`Roles of ${contact.email}`} aria-busy={fetching || undefined}>
      {ROLES.map(({ role, label }) => (
        <button key={role} type="button" className="toggle" aria-pressed={contact.roles.includes(role)} disabled={fetching} onClick={() => void onClick(role)}>
          {label}
        </button>
      ))}
      {errors.length ? (
        <p className="field-error" role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  );
}

function RemoveDialog({ contact, onDone }: { contact: Contact; onDone: () => void }) {
  const [{ fetching }, remove] = useMutation(RemoveContactEmail);
  const [errors, setErrors] = useState<string[]>([]);
  const onConfirm = async () => {
    if (fetching) return;
    const result = await remove({ input: { contactId: contact.id } });
    const userErrors = result.data?.removeContactEmail.errors ?? [];
    if (result.error) setErrors([requestFailure(result.error)]);
    else if (userErrors.length) setErrors(userErrors.map((e) => e.message));
    else onDone();
  };
  return (
    <ConfirmDialog title="Delete this email?" confirmLabel="Yes, Delete" busy={fetching} onConfirm={onConfirm} onCancel={onDone}>
      <p>
        <strong>{contact.email}</strong> will no longer receive mail from us.
      </p>
      {errors.length ? (
        <p className="field-error" role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}

function TrashIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M9 3h6l1 2h4v2H4V5h4l1-2zm-3 6h12l-1 12H7L6 9zm4 2v8h2v-8h-2zm4 0v8h2v-8h-2z" />
    </svg>
  );
}
