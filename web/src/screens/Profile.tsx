import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Field, ReadOnly } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Screen } from '../components/Screen';
import { changedFields, optional, required, type Values } from '../form';
import { graphql } from '../gql';
import type { ProfileQuery, UpdateProfileInput } from '../gql/graphql';
import { useForm } from '../useForm';

const ProfileQueryDoc = graphql(`
  query Profile {
    me {
      id
      email
      profile {
        firstName
        lastName
        phone
        pendingEmail
        location {
          country
          city
        }
        language
        timezone
        jobTitle
        version
      }
    }
  }
`);

const UpdateProfileMutation = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      profile {
        firstName
        lastName
        phone
        pendingEmail
        location {
          country
          city
        }
        language
        timezone
        jobTitle
        version
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

const ConfirmEmailChangeMutation = graphql(`
  mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) {
    confirmEmailChange(input: $input) {
      user {
        id
        email
        profile {
          pendingEmail
          version
        }
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

type Me = NonNullable<ProfileQuery['me']>;

function toValues(me: Me): Values {
  const p = me.profile;
  return {
    firstName: p.firstName,
    lastName: p.lastName,
    email: me.email,
    phone: p.phone ?? '',
    'location.country': p.location?.country ?? '',
    'location.city': p.location?.city ?? '',
    language: p.language ?? '',
    timezone: p.timezone ?? '',
    jobTitle: p.jobTitle ?? '',
    currentPassword: '',
  };
}

/** Only what changed: the API leaves out fields that are not sent. */
export function profileInput(initial: Values, current: Values, version: number): UpdateProfileInput {
  const changed = new Set(changedFields(initial, current));
  const input: UpdateProfileInput = { expectedVersion: version };
  for (const name of ['firstName', 'lastName'] as const) if (changed.has(name)) input[name] = required(current[name]);
  for (const name of ['phone', 'language', 'timezone', 'jobTitle'] as const) if (changed.has(name)) input[name] = optional(current[name]);
  if (changed.has('email')) {
    input.email = required(current['email']);
    input.currentPassword = current['currentPassword'] ?? '';
  }
  if (changed.has('location.country') || changed.has('location.city')) {
    const country = optional(current['location.country']);
    const city = optional(current['location.city']);
    input.location = country || city ? { country: (country ?? '').toUpperCase(), city } : null;
  }
  return input;
}

export function ProfileScreen() {
  const [{ data, fetching }, reload] = useQuery({ query: ProfileQueryDoc });
  const me = data?.me;
  return (
    <Screen title="Personal Profile" loading={fetching && !me}>
      {me ? <ProfileBody key={me.profile.version} me={me} reload={() => reload({ requestPolicy: 'network-only' })} /> : null}
    </Screen>
  );
}

function ProfileBody({ me, reload }: { me: Me; reload: () => void }) {
  const [editing, setEditing] = useState(false);
  const form = useForm(toValues(me));
  const [, update] = useMutation(UpdateProfileMutation);
  const p = me.profile;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const input = profileInput(form.initial, form.values, p.version);
    const data = await form.submit(() => update({ input }), (d) => d.updateProfile);
    if (data) setEditing(false);
  };

  if (!editing) {
    return (
      <>
        {p.pendingEmail ? <ConfirmEmail pendingEmail={p.pendingEmail} /> : null}
        <dl className="readonly-list">
          <ReadOnly label="First name" value={p.firstName} />
          <ReadOnly label="Last name" value={p.lastName} />
          <ReadOnly label="Email" value={me.email} />
          <ReadOnly label="Phone" value={p.phone} />
          <ReadOnly label="Country" value={p.location?.country} />
          <ReadOnly label="City" value={p.location?.city} />
          <ReadOnly label="Language" value={p.language} />
          <ReadOnly label="Time zone" value={p.timezone} />
          <ReadOnly label="Job title" value={p.jobTitle} />
        </dl>
        <div className="actions">
          <button type="button" onClick={() => setEditing(true)}>
            Change
          </button>
        </div>
      </>
    );
  }
  const emailChanged = form.values['email']!.trim() !== me.email;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Edit personal profile">
      <FormStatus form={form} onReload={reload} />
      <div className="grid">
        <Field form={form} name="firstName" label="First name" autoComplete="given-name" required />
        <Field form={form} name="lastName" label="Last name" autoComplete="family-name" required />
        <Field form={form} name="email" label="Email" type="email" autoComplete="email" hint="A new email is used once you confirm the code mailed to it." />
        {emailChanged ? <Field form={form} name="currentPassword" label="Current password" type="password" autoComplete="current-password" /> : null}
        <Field form={form} name="phone" label="Phone" type="tel" autoComplete="tel" hint="International, e.g. +46 70 123 45 67" />
        <Field form={form} name="location.country" label="Country" autoComplete="country" hint="Two letters, e.g. SE" maxLength={2} />
        <Field form={form} name="location.city" label="City" autoComplete="address-level2" />
        <Field form={form} name="language" label="Language" hint="e.g. sv-SE" />
        <Field form={form} name="timezone" label="Time zone" hint="e.g. Europe/Stockholm" />
        <Field form={form} name="jobTitle" label="Job title" autoComplete="organization-title" />
      </div>
      <div className="actions">
        <Submit form={form} label="Edit Profile" />
        <button type="button" className="secondary" onClick={() => setEditing(false)} disabled={form.submitting}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ConfirmEmail({ pendingEmail }: { pendingEmail: string }) {
  const form = useForm({ code: '' });
  const [, confirm] = useMutation(ConfirmEmailChangeMutation);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    await form.submit(() => confirm({ input: { code: form.values['code']!.trim() } }), (d) => d.confirmEmailChange);
  };
  return (
    <form onSubmit={onSubmit} noValidate className="callout" aria-label="Confirm new email">
      <p>
        A code was mailed to <strong>{pendingEmail}</strong>. Enter it to sign in with that address from now on.
      </p>
      <FormStatus form={form} />
      <Field form={form} name="code" label="Code" inputMode="numeric" autoComplete="one-time-code" />
      <Submit form={form} label="Confirm email" />
    </form>
  );
}
