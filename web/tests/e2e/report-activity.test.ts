// "This wasn't me": the link from a security mail, public, no sign-in; the token goes to the mutation alone.
import { expect, test } from 'vitest';
import { audit, DEMO, mailCount, mailedReportLink, signIn, suite } from './harness';

const { open, server } = suite();
const NEW_PASSWORD = 'harbor-tulip-signal-7310';

test('report activity: confirm, every session ends, sign-in asks for a reset; a used link says so', async () => {
  // A password change mails a notice with a "This wasn't me" link.
  const signedIn = await open();
  const user = DEMO.accountAdmin;
  const before = await mailCount(server());
  await signIn(signedIn.page, user, '/password');
  await signedIn.page.getByLabel('Old password').fill(user.password);
  await signedIn.page.getByLabel('New password').fill(NEW_PASSWORD);
  await signedIn.page.getByRole('button', { name: 'Done' }).click();
  await signedIn.page.getByRole('status').getByText('Your password was changed.').waitFor();
  const link = await mailedReportLink(server(), user.email, before);
  const token = link.split('#token=')[1]!;

  // Someone else's browser (no session) opens the link.
  const { page } = await open();
  const carried: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes(token) || (r.postData() ?? '').includes(token)) carried.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(link);
  await page.getByRole('heading', { name: "This wasn't me" }).waitFor();
  expect(new URL(page.url()).hash, 'the token leaves the address bar').toBe('');
  await audit(page, 'report-activity');
  await page.getByRole('button', { name: "Yes, this wasn't me" }).click();
  await page.getByRole('heading', { name: 'Your account is secured' }).waitFor();
  await page.getByText('Every session of your account has been signed out').waitFor();
  await audit(page, 'report-activity-done');
  expect(carried, 'the token went to the mutation only').toEqual(['POST /graphql']);

  // The other browser's session is gone; the password no longer signs in.
  await signedIn.page.reload();
  await signedIn.page.getByRole('heading', { name: 'Sign in' }).waitFor();

  // The page links to the reset.
  await page.getByRole('link', { name: 'Reset your password' }).click();
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();

  // The same link again: used.
  await page.goto(link);
  await page.getByRole('button', { name: "Yes, this wasn't me" }).click();
  await page.getByRole('alert').getByText('used already').waitFor();
  await audit(page, 'report-activity-used');

  // A link without a token.
  await page.goto('/report-activity');
  await page.getByRole('alert').getByText('no token').waitFor();
});
