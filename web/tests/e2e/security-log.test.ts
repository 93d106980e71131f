// Security log: the user's own events newest first, in words, with failures and "Load more".
import { expect, test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open, server } = suite();

const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { user { id } errors { code } } }';

test('security log: newest first, a refused sign-in with its reason, and older pages by cursor', async () => {
  const { page } = await open();
  const user = DEMO.cloudAdmin;
  // 22 sign-ins (more than one page of 20) through the API by a client that keeps no cookie (one
  // that did would be held to the panel's own operations), then a refused one here.
  for (let i = 0; i < 22; i++) {
    const response = await fetch(`${server().origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: LOGIN, variables: { input: user } }),
    });
    expect(((await response.json()) as { data: { login: { user: unknown } } }).data.login.user, `sign-in ${i}`).not.toBeNull();
  }
  await signIn(page, { email: user.email, password: 'not-the-password-at-all' });
  await page.getByRole('alert').waitFor();
  await signIn(page, user, '/security-log');
  await page.getByRole('heading', { name: 'Security log' }).waitFor();

  const rows = page.locator('table.log tbody tr');
  await rows.first().waitFor();
  expect(await rows.count()).toBe(20);
  // Newest first: this sign-in, then the refused one with its reason.
  await expect.poll(() => rows.nth(0).locator('td').nth(1).textContent()).toBe('Signed in');
  expect(await rows.nth(1).locator('td').nth(1).textContent()).toBe('Sign-in refusedFailed: Wrong password');
  expect(await rows.nth(0).locator('td').nth(2).textContent()).toBe('127.0.0.1');
  expect(await rows.nth(0).locator('td').nth(3).textContent()).toMatch(/Mozilla|Chrome/);
  await audit(page, 'security-log');

  await page.getByRole('button', { name: 'Load more' }).click();
  await expect.poll(() => rows.count()).toBeGreaterThan(20);
  const times = await rows.locator('time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime')!)));
  expect(times).toEqual([...times].sort((a, b) => b - a));
  expect(times.length, '22 + 1 + 1 sign-ins').toBeGreaterThanOrEqual(24);
  await page.getByText('No older events.').waitFor();
  await audit(page, 'security-log-more');
});
