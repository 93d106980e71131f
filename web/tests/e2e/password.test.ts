// Change Password: old and new, "Done"; each error by its field; the new password signs in.
import { test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite();
const NEW_PASSWORD = 'quartz-lagoon-ferry-2024';

test('change password: errors by field, then Done, then sign in with the new one', async () => {
  const { page } = await open();
  await signIn(page, DEMO.member, '/password');
  await page.getByRole('heading', { name: 'Change Password' }).waitFor();
  await audit(page, 'change-password');

  await page.getByLabel('Old password').fill(DEMO.member.password);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('#field-newPassword-error').waitFor();

  await page.getByLabel('Old password').fill('not-my-password-at-all');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('#field-currentPassword-error').waitFor();
  await audit(page, 'change-password-error');

  await page.getByLabel('Old password').fill(DEMO.member.password);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('status').getByText('Your password was changed.').waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, { email: DEMO.member.email, password: NEW_PASSWORD });
  await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
});
