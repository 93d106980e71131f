// Customer Info ("Update") for account admins, read-only for members; Billing Profile ("Save") for cloud admins only.
import { expect, test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite();

test('customer info: an address error by its field, then Update', async () => {
  const { page } = await open();
  await signIn(page, DEMO.accountAdmin, '/customer-info');
  await page.getByLabel('Company name').waitFor();
  expect(await page.getByLabel('Company name').inputValue()).toBe('Acme Widgets AB');
  await audit(page, 'customer-info');

  await page.getByLabel('Contact person').fill('');
  await page.getByLabel('Address line 1').fill('Storgatan 1');
  await page.getByLabel('Postal code').fill('ABC');
  await page.getByLabel('City', { exact: true }).fill('Stockholm');
  await page.getByLabel('Country').fill('SE');
  await page.getByRole('button', { name: 'Update' }).click();
  await page.locator('#field-contactPerson-error').waitFor();
  await page.locator('#field-address-postalCode-error').waitFor();
  await audit(page, 'customer-info-errors');

  await page.getByLabel('Contact person').fill('Anders Berg');
  await page.getByLabel('Postal code').fill('111 22');
  await page.getByRole('button', { name: 'Update' }).click();
  await page.getByRole('status').getByText('Customer info updated.').waitFor();
  await expect.poll(() => page.getByLabel('Postal code').inputValue()).toBe('111 22');
});

test('members see customer info read-only and no billing profile', async () => {
  const { page } = await open();
  await signIn(page, DEMO.member, '/customer-info');
  await page.getByText("Only your account's administrator can change these details.").waitFor();
  expect(await page.getByLabel('Contact person').isDisabled()).toBe(true);
  expect(await page.getByRole('button', { name: 'Update' }).count()).toBe(0);
  expect(await page.getByRole('navigation').getByRole('link', { name: 'Billing Profile' }).count()).toBe(0);
  await page.goto('/billing-profile');
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
});

test('billing profile: the first save, an IBAN error by its field, then Save', async () => {
  const { page } = await open();
  await signIn(page, DEMO.cloudAdmin);
  await page.getByRole('navigation').getByRole('link', { name: 'Billing Profile' }).click();
  await page.getByLabel('Legal name').waitFor();
  const fill = async (values: Record<string, string>) => {
    for (const [label, value] of Object.entries(values)) await page.getByLabel(label, { exact: true }).fill(value);
  };
  await fill({
    'Legal name': 'Tenantry Cloud AB',
    'Address line 1': 'Molnvägen 1',
    'Postal code': '111 22',
    City: 'Stockholm',
    Country: 'SE',
    'Bank name': 'Exempelbanken',
    'Account holder': 'Tenantry Cloud AB',
    IBAN: 'SE00 1234',
    BIC: 'ESSESESS',
    'Payment terms (days)': '30',
  });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#field-iban-error').waitFor();
  await audit(page, 'billing-profile-error');
  await fill({ IBAN: 'SE45 5000 0000 0583 9825 7466' });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#field-currentPassword-error').waitFor(); // who gets paid: the password first
  await fill({ 'Your current password': DEMO.cloudAdmin.password });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText('Billing profile saved.').waitFor();
  await expect.poll(() => page.getByLabel('IBAN').inputValue()).toBe('SE4550000000058398257466');
  await audit(page, 'billing-profile');
});
