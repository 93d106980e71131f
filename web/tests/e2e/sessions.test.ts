// Sessions: sign out another device; that device is sent to sign-in and comes back where it was.
import { test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite();

test('sessions: sign out another device; it signs in again and returns to its page', async () => {
  const laptop = await open();
  const phone = await open();
  await signIn(phone.page, DEMO.member, '/contacts');
  await phone.page.getByRole('heading', { name: 'Contact' }).waitFor();
  await signIn(laptop.page, DEMO.member, '/sessions');
  const rows = laptop.page.getByRole('row');
  await laptop.page.getByRole('button', { name: 'Sign out here' }).waitFor();
  await audit(laptop.page, 'sessions');
  await rows.filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Sign out' }).click();
  await laptop.page.getByRole('button', { name: 'Sign out', exact: true }).nth(1).waitFor({ state: 'detached' });

  // The phone's next request is UNAUTHENTICATED: to sign-in, and back to Contact afterwards.
  await phone.page.getByRole('navigation').getByRole('link', { name: 'Customer Info' }).click();
  await phone.page.reload();
  await phone.page.waitForURL(/\/sign-in\?next=%2Fcustomer-info/);
  await audit(phone.page, 'sign-in');
  await phone.page.getByLabel('Email').fill(DEMO.member.email);
  await phone.page.getByLabel('Password').fill(DEMO.member.password);
  await phone.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await phone.page.waitForURL(/\/customer-info$/);
  await phone.page.getByRole('heading', { name: 'Customer Info' }).waitFor();
});

test('a change made after the session ended goes to sign-in and returns', async () => {
  const a = await open();
  const b = await open();
  await signIn(a.page, DEMO.individual, '/password');
  await signIn(b.page, DEMO.individual, '/sessions');
  await b.page.getByRole('button', { name: 'Sign out here' }).waitFor();
  await b.page.getByRole('row').filter({ hasNotText: 'This device' }).getByRole('button', { name: 'Sign out' }).click();
  await b.page.getByRole('row').filter({ hasNotText: 'This device' }).nth(1).waitFor({ state: 'detached' });
  await a.page.getByLabel('Old password').fill('whatever-it-was');
  await a.page.getByLabel('New password').fill('another-long-password-1');
  await a.page.getByRole('button', { name: 'Done' }).click();
  await a.page.waitForURL(/\/sign-in\?next=%2Fpassword/);
  await a.page.getByLabel('Email').fill(DEMO.individual.email);
  await a.page.getByLabel('Password').fill(DEMO.individual.password);
  await a.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await a.page.getByRole('heading', { name: 'Change Password' }).waitFor();
});
