// Passkeys: add one on the MFA screen (the first second factor turns MFA on), then answer sign-in's
// second step with it. Chromium's virtual authenticator stands in for the security key; the page
// is opened as http://localhost, since WebAuthn needs a domain as its relying party.
import { expect, test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite({ host: 'localhost' });

test('passkey: add one on the MFA screen, sign in with it as the second step and without a password, remove it', async () => {
  const { page, context } = await open();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  await signIn(page, DEMO.member, '/mfa');
  const add = page.getByRole('form', { name: 'Add a passkey' });
  await add.getByLabel('Passkey name').fill('This laptop');
  await add.getByRole('button', { name: 'Add a passkey' }).click();
  const codes = page.getByRole('region', { name: 'Recovery codes' }).locator('code');
  await codes.first().waitFor();
  expect(await codes.count()).toBe(10);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  const row = page.getByRole('row').filter({ hasText: 'This laptop' });
  await row.getByRole('cell', { name: 'Passkey', exact: true }).waitFor();
  await row.getByRole('cell', { name: 'Never', exact: true }).waitFor();
  await audit(page, 'mfa-passkey');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await signIn(page, DEMO.member, '/mfa');
  const usePasskey = page.getByRole('button', { name: 'Use a passkey' });
  await usePasskey.waitFor();
  await audit(page, 'sign-in-second-step-passkey');
  await usePasskey.click();
  await page.getByRole('heading', { name: 'Multi-Factor Authentication' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/mfa');
  await row.getByRole('cell', { name: 'Never', exact: true }).waitFor({ state: 'detached' });

  // Passwordless: the browser offers the passkey it holds for this site, which is both factors.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
  await page.goto('/mfa');

  // Removing the only second factor asks for the password and turns MFA off.
  await row.getByRole('button', { name: 'Remove This laptop' }).click();
  const remove = page.getByRole('form', { name: 'Remove This laptop' });
  await remove.getByText('removing it turns MFA off').waitFor();
  await remove.getByLabel('Your current password').fill('not-my-password-at-all');
  await remove.getByRole('button', { name: 'Remove' }).click();
  await remove.locator('#field-currentPassword-error').waitFor();
  await audit(page, 'mfa-remove-factor');
  await remove.getByLabel('Your current password').fill(DEMO.member.password);
  await remove.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('switch', { name: 'Please Enable your MFA First' }).waitFor();
  await row.waitFor({ state: 'detached' });
});
