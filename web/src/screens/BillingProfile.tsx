import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AddressFields } from '../components/AddressFields';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Screen } from '../components/Screen';
import { addressInput, addressValues, changedFields, optional, required, type Values } from '../form';
import { graphql } from '../gql';
import type { BillingProfileQuery, UpdateBillingProfileInput } from '../gql/graphql';
import { useForm } from '../useForm';

const BillingProfileQueryDoc = graphql(`
  query BillingProfile {
    billingProfile {
      legalName
      address {
        line1
        line2
        postalCode
        city
        region
        country
      }
      vatNumber
      registrationNumber
      bankName
      accountHolder
      iban
      bic
      paymentTermsDays
      paymentInstructions
      invoiceEmail
      version
    }
  }
`);

const UpdateBillingProfile = graphql(`
  mutation UpdateBillingProfile($input: UpdateBillingProfileInput!) {
    updateBillingProfile(input: $input) {
      billingProfile {
        legalName
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

const BILLING_CONTEXT = { additionalTypenames: ['BillingProfile'] };

type Profile = BillingProfileQuery['billingProfile'];

const TEXT = ['legalName', 'vatNumber', 'registrationNumber', 'bankName', 'accountHolder', 'iban', 'bic', 'paymentInstructions', 'invoiceEmail'] as const;
const REQUIRED = new Set(['legalName', 'bankName', 'accountHolder', 'iban', 'bic']);
/** A change of who gets paid needs the password (and alerts every cloud admin). */
const PAYEE = ['iban', 'bic', 'accountHolder'] as const;

function toValues(p: Profile): Values {
  const values: Values = { ...addressValues(p?.address), paymentTermsDays: p ? String(p.paymentTermsDays) : '30', currentPassword: '' };
  for (const name of TEXT) values[name] = p?.[name] ?? '';
  return values;
}

export function billingInput(initial: Values, current: Values, version: number): UpdateBillingProfileInput {
  // The first save (version 0) creates the profile and sends every field.
  const changed = new Set(version === 0 ? Object.keys(current) : changedFields(initial, current));
  const input: UpdateBillingProfileInput = { expectedVersion: version, ...addressInput(version === 0 ? {} : initial, current, { clearable: false }) };
  for (const name of TEXT) if (changed.has(name)) input[name] = REQUIRED.has(name) ? required(current[name]) : optional(current[name]);
  if (changed.has('paymentTermsDays')) {
    const days = Number((current['paymentTermsDays'] ?? '').trim() || Number.NaN);
    input.paymentTermsDays = Number.isInteger(days) ? days : -1; // out of range: the API names the field
  }
  if (PAYEE.some((n) => changed.has(n))) input.currentPassword = current['currentPassword'] ?? '';
  return input;
}

export function BillingProfileScreen() {
  // Before the first save the answer is null, which names no type for a save to invalidate.
  const [{ data, fetching }, reload] = useQuery({ query: BillingProfileQueryDoc, context: BILLING_CONTEXT });
  const [saved, setSaved] = useState(false);
  const profile = data?.billingProfile;
  return (
    <Screen title="Billing Profile" loading={fetching && !data} intro="Your company's payee details, printed on every customer's invoice.">
      {data ? (
        <BillingForm
          key={profile?.version ?? 0}
          profile={profile ?? null}
          reload={() => reload({ requestPolicy: 'network-only' })}
          onSaved={() => setSaved(true)}
        />
      ) : null}
      <p className="notice" role="status">
        {saved ? 'Billing profile saved.' : ''}
      </p>
    </Screen>
  );
}

function BillingForm({ profile, reload, onSaved }: { profile: Profile; reload: () => void; onSaved: () => void }) {
  const form = useForm(toValues(profile));
  const [, update] = useMutation(UpdateBillingProfile);
  const version = profile?.version ?? 0;
  const payeeChanged = PAYEE.some((n) => (form.values[n] ?? '').trim() !== (form.initial[n] ?? '').trim());
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const input = billingInput(form.initial, form.values, version);
    if (await form.submit(() => update({ input }), (d) => d.updateBillingProfile)) onSaved();
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Billing profile">
      <FormStatus form={form} onReload={reload} />
      <div className="grid">
        <Field form={form} name="legalName" label="Legal name" autoComplete="organization" />
        <Field form={form} name="vatNumber" label="VAT number" hint="With its country prefix, e.g. SE556012579001" />
        <Field form={form} name="registrationNumber" label="Registration number" />
        <Field form={form} name="invoiceEmail" label="Invoice questions email" type="email" />
      </div>
      <AddressFields form={form} legend="Address" />
      <fieldset>
        <legend>Payment details</legend>
        <div className="grid">
          <Field form={form} name="bankName" label="Bank name" />
          <Field form={form} name="accountHolder" label="Account holder" />
          <Field form={form} name="iban" label="IBAN" />
          <Field form={form} name="bic" label="BIC" />
          <Field form={form} name="paymentTermsDays" label="Payment terms (days)" inputMode="numeric" />
          <Field form={form} name="paymentInstructions" label="Payment instructions" />
        </div>
        {payeeChanged ? (
          <Field
            form={form}
            name="currentPassword"
            label="Your current password"
            type="password"
            autoComplete="current-password"
            hint="Needed to change who gets paid; every cloud admin is told."
          />
        ) : null}
      </fieldset>
      <div className="actions">
        <Submit form={form} label="Save" />
      </div>
    </form>
  );
}
