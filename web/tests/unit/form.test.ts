import { describe, expect, test } from 'vitest';
import { addressInput, addressValues, changedFields, optional } from '../../src/form';
import { billingInput } from '../../src/screens/BillingProfile';
import { toggleRole } from '../../src/screens/Contacts';
import { customerInfoInput } from '../../src/screens/CustomerInfo';
import { profileInput } from '../../src/screens/Profile';

const profile = {
  firstName: 'Anders',
  lastName: 'Berg',
  email: 'anders@acme.example.com',
  phone: '',
  'location.country': 'SE',
  'location.city': '',
  language: '',
  timezone: '',
  jobTitle: 'CFO',
  currentPassword: '',
};

describe('form values', () => {
  test('changedFields ignores surrounding blanks', () => {
    expect(changedFields({ a: 'x', b: 'y' }, { a: ' x ', b: 'z' })).toEqual(['b']);
  });

  test('a blank optional value is null, which clears the field', () => {
    expect(optional('  ')).toBeNull();
    expect(optional(' Stockholm ')).toBe('Stockholm');
  });
});

describe('profileInput', () => {
  test('sends only what changed, with the version it is based on', () => {
    expect(profileInput(profile, { ...profile, jobTitle: 'CEO', phone: '+46 70 123 45 67' }, 3)).toEqual({
      expectedVersion: 3,
      phone: '+46 70 123 45 67',
      jobTitle: 'CEO',
    });
  });

  test('an emptied optional field is cleared with null', () => {
    expect(profileInput(profile, { ...profile, jobTitle: '' }, 1)).toEqual({ expectedVersion: 1, jobTitle: null });
  });

  test('a new email carries the current password', () => {
    expect(profileInput(profile, { ...profile, email: 'new@acme.example.com', currentPassword: 'pw' }, 1)).toEqual({
      expectedVersion: 1,
      email: 'new@acme.example.com',
      currentPassword: 'pw',
    });
  });

  test('location is sent whole, and null when emptied', () => {
    expect(profileInput(profile, { ...profile, 'location.city': 'Lund' }, 1).location).toEqual({ country: 'SE', city: 'Lund' });
    expect(profileInput(profile, { ...profile, 'location.country': '' }, 1).location).toBeNull();
  });
});

describe('addresses', () => {
  const filled = addressValues({ line1: 'Storgatan 1', postalCode: '111 22', city: 'Stockholm', country: 'SE' });

  test('an unchanged address is not sent', () => {
    expect(addressInput(filled, filled, { clearable: true })).toEqual({});
  });

  test('any change sends the whole address, upper-casing the country', () => {
    expect(addressInput(filled, { ...filled, 'address.city': 'Solna', 'address.country': 'se' }, { clearable: true })).toEqual({
      address: { line1: 'Storgatan 1', line2: null, postalCode: '111 22', city: 'Solna', region: null, country: 'SE' },
    });
  });

  test('an emptied address is cleared only where the API allows it', () => {
    const empty = addressValues(null);
    expect(addressInput(filled, empty, { clearable: true })).toEqual({ address: null });
    expect(addressInput(filled, empty, { clearable: false }).address).toMatchObject({ line1: '', city: '' });
  });
});

describe('customerInfoInput', () => {
  test('a cleared purchase order number is null; the company name is sent as typed', () => {
    const initial = { companyName: 'Acme', contactPerson: 'Anders', purchaseOrderNumber: 'PO-1', ...addressValues(null) };
    expect(customerInfoInput(initial, { ...initial, companyName: ' ', purchaseOrderNumber: '' }, 2)).toEqual({
      expectedVersion: 2,
      companyName: '',
      purchaseOrderNumber: null,
    });
  });
});

describe('billingInput', () => {
  const saved = {
    ...addressValues({ line1: 'Vägen 1', postalCode: '111 22', city: 'Stockholm', country: 'SE' }),
    legalName: 'Cloud AB',
    vatNumber: '',
    registrationNumber: '',
    bankName: 'Bank',
    accountHolder: 'Cloud AB',
    iban: 'SE4550000000058398257466',
    bic: 'ESSESESS',
    paymentTermsDays: '30',
    paymentInstructions: '',
    invoiceEmail: '',
    currentPassword: '',
  };

  test('the first save sends every field, with the password the payee needs', () => {
    const input = billingInput({}, { ...saved, currentPassword: 'pw' }, 0);
    expect(input).toMatchObject({ expectedVersion: 0, legalName: 'Cloud AB', iban: 'SE4550000000058398257466', paymentTermsDays: 30, vatNumber: null });
    expect(input.currentPassword).toBe('pw');
  });

  test('a payee change carries the password; other changes do not', () => {
    expect(billingInput(saved, { ...saved, bic: 'NDEASESS', currentPassword: 'pw' }, 4)).toEqual({ expectedVersion: 4, bic: 'NDEASESS', currentPassword: 'pw' });
    expect(billingInput(saved, { ...saved, bankName: 'Other', currentPassword: 'pw' }, 4)).toEqual({ expectedVersion: 4, bankName: 'Other' });
  });

  test('days that are not a whole number are sent out of range for the API to name', () => {
    expect(billingInput(saved, { ...saved, paymentTermsDays: 'ten' }, 4).paymentTermsDays).toBe(-1);
  });
});

describe('toggleRole', () => {
  test('adds or removes one role and keeps the API order', () => {
    expect(toggleRole(['DPO'], 'BILLING')).toEqual(['BILLING', 'DPO']);
    expect(toggleRole(['BILLING', 'TECH'], 'TECH')).toEqual(['BILLING']);
  });
});
