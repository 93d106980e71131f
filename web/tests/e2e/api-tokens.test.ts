// API tokens: create one (the secret is shown once), call the API with it, then revoke it.
import { expect, test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite();

const CREDENTIAL = 'query Credential { currentCredential { kind scopes } }';

test('api tokens: a wrong password shows at its field; a token works as a bearer until revoked', async () => {
  const { page, context } = await open();
  const user = DEMO.accountAdmin;
  await signIn(page, user, '/api-tokens');
  await page.getByRole('heading', { name: 'API Tokens' }).waitFor();
  await page.getByText('You have no API tokens.').waitFor();
  await audit(page, 'api-tokens');

  await page.getByLabel('Name').fill('nightly export');
  await page.getByRole('checkbox', { name: /ACCOUNT_READ/ }).check();
  await page.getByLabel('Expires after').selectOption('30');
  await page.getByLabel('Your password').fill('not-my-password-at-all');
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect.poll(() => page.locator('#field-currentPassword-error').textContent()).toMatch(/password/i);

  await page.getByLabel('Your password').fill(user.password);
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('new-token-secret');
  await shown.waitFor();
  const secret = (await shown.textContent()) ?? '';
  expect(secret).toMatch(/^tnt_pat_[0-9A-Za-z]{49,}$/);
  await page.getByRole('button', { name: 'Copy to clipboard' }).click();
  await page.getByRole('button', { name: /Copied|Copying was refused/ }).waitFor();
  const row = page.getByRole('row').filter({ hasText: 'nightly export' });
  await row.waitFor();
  expect(await row.textContent()).toContain('ACCOUNT_READ');
  expect(await row.textContent()).toContain(secret.slice(0, 14));
  await audit(page, 'api-tokens-created');

  // The token is a bearer credential of its own (no cookie goes with an explicit Authorization).
  const call = async () => {
    const response = await context.request.post('/graphql', {
      headers: { authorization: `Bearer ${secret}` },
      data: { query: CREDENTIAL },
    });
    return response.json();
  };
  expect((await call()).data.currentCredential).toEqual({ kind: 'API_TOKEN', scopes: ['ACCOUNT_READ'] });

  await page.getByRole('button', { name: 'I have stored it' }).click();
  await expect.poll(() => shown.count()).toBe(0);
  await row.getByRole('button', { name: /Revoke/ }).click();
  await page.getByRole('button', { name: 'Yes, Revoke' }).click();
  await expect.poll(() => row.textContent()).toMatch(/Revoked/);
  const after = await call();
  expect(after.data?.currentCredential ?? null).toBeNull();
});
