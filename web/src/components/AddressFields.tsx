import type { FormState } from '../useForm';
import { Field } from './Field';

export function AddressFields({ form, legend }: { form: FormState; legend: string }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="grid">
        <Field form={form} name="address.line1" label="Address line 1" autoComplete="address-line1" />
        <Field form={form} name="address.line2" label="Address line 2" autoComplete="address-line2" />
        <Field form={form} name="address.postalCode" label="Postal code" autoComplete="postal-code" />
        <Field form={form} name="address.city" label="City" autoComplete="address-level2" />
        <Field form={form} name="address.region" label="Region" autoComplete="address-level1" />
        <Field form={form} name="address.country" label="Country" autoComplete="country" hint="Two letters, e.g. SE" maxLength={2} />
      </div>
    </fieldset>
  );
}
