// Password recovery from the sign-in screen: email, the mailed code and a new password, then sign in.
import { expect, test } from 'vitest';
import { audit, DEMO, mailCount, mailedReportLink, mailedResetCode, signIn, suite } from './harness';

const { open, server } = suite();
const NEW_PASSWORD = 'juniper-kayak-mosaic-4417';
const THIRD_PASSWORD = 'lichen-quarry-velvet-2290';

test('reset password: forgot password, the same answer for any email, errors by field, then sign in with the new one', async () => {
  const { page } = await open();
  const user = DEMO.member;
  await page.goto('/profile');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/reset-password');
  await audit(page, 'reset-password-email');

  // An unknown email gets the same answer as a known one.
  await page.getByLabel('Email').fill('nobody@nowhere.example.com');
  await page.getByRole('button', { name: 'Mail me a code' }).click();
  await page.getByText('If nobody@nowhere.example.com signs in, a code is on its way.').waitFor();
  await page.getByRole('button', { name: 'Use another email, or mail a new code' }).click();

  const before = await mailCount(server());
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Mail me a code' }).click();
  await page.getByText(`If ${user.email} signs in, a code is on its way.`).waitFor();
  const code = await mailedResetCode(server(), user.email, before);
  await audit(page, 'reset-password-code');

  await page.getByLabel('Code from the mail').fill('ABCDE-12345');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.locator('#field-code-error').waitFor();

  await page.getByLabel('Code from the mail').fill(code);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.locator('#field-newPassword-error').waitFor();
  await audit(page, 'reset-password-error');

  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByRole('status').getByText('Your password was reset').waitFor();
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await audit(page, 'sign-in-after-reset');

  await signIn(page, { email: user.email, password: NEW_PASSWORD });
  await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
});

test('after "This wasn\'t me" the right password is refused, with a way to the reset page', async () => {
  const { page } = await open();
  const user = DEMO.individual;
  // A password change mails a "This wasn't me" link; reporting it requires a reset.
  const before = await mailCount(server());
  await signIn(page, user, '/password');
  await page.getByLabel('Old password').fill(user.password);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('status').getByText('Your password was changed.').waitFor();
  await page.goto(await mailedReportLink(server(), user.email, before));
  await page.getByRole('button', { name: "Yes, this wasn't me" }).click();
  await page.getByRole('heading', { name: 'Your account is secured' }).waitFor();

  await signIn(page, { email: user.email, password: NEW_PASSWORD });
  await page.getByRole('alert').getByText('its password must be reset').waitFor();
  await audit(page, 'sign-in-reset-required');
  await page.getByRole('main').getByRole('link', { name: 'Reset your password' }).click();
  const mails = await mailCount(server());
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Mail me a code' }).click();
  await page.getByLabel('Code from the mail').fill(await mailedResetCode(server(), user.email, mails));
  await page.getByLabel('New password').fill(THIRD_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByRole('status').getByText('Your password was reset').waitFor();
  await signIn(page, { email: user.email, password: THIRD_PASSWORD });
  await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
});
