// Contact, by keyboard only: "Create new Email" pane, mailed code, "Verify", pick roles, "Back";
// "Modify" by clicking Billing, Tech or DPO; the trash icon and "Yes, Delete".
import { expect, test } from 'vitest';
import { audit, DEMO, mailCount, mailedCode, readmeScreenshot, signIn, suite, tabTo } from './harness';

const { open, server } = suite();
const NEW = 'ops@acme.example.com';

test('contacts by keyboard: add, verify with the mailed code, pick a role, modify, delete', async () => {
  const { page } = await open();
  await signIn(page, DEMO.accountAdmin, '/contacts');
  const list = page.getByRole('list', { name: 'Contact emails' });
  await list.getByText('finance@acme.example.com', { exact: true }).waitFor();
  await audit(page, 'contacts');
  const kb = page.keyboard;

  await tabTo(page, 'Create new Email');
  await kb.press('Enter');
  const pane = page.getByRole('dialog', { name: 'Create new Email' });
  await pane.waitFor();
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-email'); // focus moved into the pane
  await kb.type('not-an-email');
  await kb.press('Enter');
  await pane.locator('#field-email-error').waitFor();
  await audit(page, 'contacts-new-email-pane');
  await readmeScreenshot(page, 'contacts');
  const before = await mailCount(server());
  await kb.press('Control+A');
  await kb.type(NEW);
  await kb.press('Enter');
  await pane.getByLabel('Code').waitFor();
  const code = await mailedCode(server(), NEW, before);
  await page.getByLabel('Code').focus(); // already focused by the step; keeps the test honest if not
  await kb.type(code);
  await kb.press('Enter');
  const picker = page.getByRole('dialog', { name: 'Pick roles' });
  await picker.getByRole('button', { name: 'Billing' }).waitFor();
  await tabTo(page, 'Billing', { shift: true, max: 10 }).catch(() => tabTo(page, 'Billing', { max: 10 }));
  await kb.press('Space');
  await expect.poll(() => picker.getByRole('button', { name: 'Billing' }).getAttribute('aria-pressed')).toBe('true');
  await audit(page, 'contacts-pick-roles');
  await tabTo(page, 'Back', { max: 10 });
  await kb.press('Enter');
  await picker.waitFor({ state: 'detached' });
  const row = list.getByRole('listitem').filter({ hasText: NEW });
  await row.getByText('Verified', { exact: true }).waitFor();
  await row.getByText('Billing', { exact: true }).waitFor();

  // Modify: taking Tech from its only holder is refused, with the reason next to the buttons.
  await tabTo(page, 'Modify roles of finance@acme.example.com');
  await kb.press('Enter');
  const financeRoles = page.getByRole('group', { name: 'Roles of finance@acme.example.com' });
  await tabTo(page, 'Tech', { max: 10 });
  await kb.press('Space');
  await financeRoles.getByRole('alert').waitFor();
  expect(await financeRoles.getByRole('button', { name: 'Tech' }).getAttribute('aria-pressed')).toBe('true');
  await audit(page, 'contacts-modify-roles');
  await tabTo(page, 'Done changing roles of finance@acme.example.com', { shift: true, max: 10 });
  await kb.press('Enter');

  // The trash icon asks first; "Yes, Delete" removes the new contact (finance still holds Billing).
  await tabTo(page, `Delete ${NEW}`);
  await kb.press('Enter');
  const confirm = page.getByRole('alertdialog', { name: 'Delete this email?' });
  await confirm.waitFor();
  await audit(page, 'contacts-delete-confirm');
  await tabTo(page, 'Yes, Delete', { max: 5 });
  await kb.press('Enter');
  await confirm.waitFor({ state: 'detached' });
  await row.waitFor({ state: 'detached' });
});
