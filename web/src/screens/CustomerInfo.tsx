import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { AddressFields } from '../components/AddressFields';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Screen } from '../components/Screen';
import { addressInput, addressValues, changedFields, optional, required, type Values } from '../form';
import { graphql } from '../gql';
import type { CustomerInfoQuery, UpdateCustomerInfoInput } from '../gql/graphql';
import { useSession } from '../session';
import { useForm } from '../useForm';

const CustomerInfoQueryDoc = graphql(`
  query CustomerInfo {
    me {
      id
      account {
        id
        kind
        customerInfo {
          companyName
          contactPerson
          address {
            line1
            line2
            postalCode
            city
            region
            country
          }
          purchaseOrderNumber
          version
        }
      }
    }
  }
`);

const UpdateCustomerInfo = graphql(`
  mutation UpdateCustomerInfo($input: UpdateCustomerInfoInput!) {
    updateCustomerInfo(input: $input) {
      customerInfo {
        companyName
        contactPerson
        address {
          line1
          line2
          postalCode
          city
          region
          country
        }
        purchaseOrderNumber
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

type Account = NonNullable<CustomerInfoQuery['me']>['account'];

function toValues(account: Account): Values {
  const info = account.customerInfo;
  return {
    ...(account.kind === 'BUSINESS' ? { companyName: info.companyName ?? '' } : {}),
    contactPerson: info.contactPerson,
    ...addressValues(info.address),
    purchaseOrderNumber: info.purchaseOrderNumber ?? '',
  };
}

export function customerInfoInput(initial: Values, current: Values, version: number): UpdateCustomerInfoInput {
  const changed = new Set(changedFields(initial, current));
  return {
    expectedVersion: version,
    ...(changed.has('companyName') ? { companyName: required(current['companyName']) } : {}),
    ...(changed.has('contactPerson') ? { contactPerson: required(current['contactPerson']) } : {}),
    ...(changed.has('purchaseOrderNumber') ? { purchaseOrderNumber: optional(current['purchaseOrderNumber']) } : {}),
    ...addressInput(initial, current, { clearable: true }),
  };
}

export function CustomerInfoScreen() {
  const [{ data, fetching }, reload] = useQuery({ query: CustomerInfoQueryDoc });
  const account = data?.me?.account;
  const [saved, setSaved] = useState(false);
  return (
    <Screen title="Customer Info" loading={fetching && !account} intro="Who you are, as printed on your invoices.">
      {account ? (
        <CustomerInfoForm
          key={account.customerInfo.version}
          account={account}
          reload={() => reload({ requestPolicy: 'network-only' })}
          onSaved={() => setSaved(true)}
        />
      ) : null}
      <p className="notice" role="status">
        {saved ? 'Customer info updated.' : ''}
      </p>
    </Screen>
  );
}

function CustomerInfoForm({ account, reload, onSaved }: { account: Account; reload: () => void; onSaved: () => void }) {
  const { viewer } = useSession();
  const form = useForm(toValues(account));
  const [, update] = useMutation(UpdateCustomerInfo);
  const canEdit = viewer.role === 'ACCOUNT_ADMIN';
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const input = customerInfoInput(form.initial, form.values, account.customerInfo.version);
    const data = await form.submit(() => update({ input }), (d) => d.updateCustomerInfo);
    if (data) onSaved();
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Customer info">
      {!canEdit ? <p className="callout">Only your account's administrator can change these details.</p> : null}
      <FormStatus form={form} onReload={reload} />
      <fieldset disabled={!canEdit} className="plain">
        <div className="grid">
          {account.kind === 'BUSINESS' ? <Field form={form} name="companyName" label="Company name" autoComplete="organization" /> : null}
          <Field form={form} name="contactPerson" label="Contact person" autoComplete="name" />
          <Field form={form} name="purchaseOrderNumber" label="Purchase order number" hint="Printed on your invoices." />
        </div>
        <AddressFields form={form} legend="Invoice address" />
      </fieldset>
      {canEdit ? (
        <div className="actions">
          <Submit form={form} label="Update" />
        </div>
      ) : null}
    </form>
  );
}
