// Personal Profile: read-only, "Change" edits, "Edit Profile" saves; errors by field; a stale version reloads.
import { expect, test } from 'vitest';
import { audit, DEMO, readmeScreenshot, signIn, suite } from './harness';

const { open } = suite();

test('profile: change, fix a field error, save; a stale version offers a reload', async () => {
  const { page, context } = await open();
  await signIn(page, DEMO.accountAdmin);
  await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
  await expect.poll(() => page.getByText('anders.berg@acme.example.com').count()).toBeGreaterThan(0);
  await audit(page, 'profile-read-only');

  await page.getByRole('button', { name: 'Change' }).click();
  await page.getByLabel('Job title').fill('Chief Financial Officer');
  await page.getByLabel('Phone').fill('12');
  await page.getByRole('button', { name: 'Edit Profile' }).click();
  const phoneError = page.locator('#field-phone-error');
  await phoneError.waitFor();
  expect(await page.getByLabel('Phone').getAttribute('aria-describedby')).toContain('field-phone-error');
  await audit(page, 'profile-editing-with-error');
  await readmeScreenshot(page, 'profile');

  await page.getByLabel('Phone').fill('+46 70 123 45 67');
  await page.getByRole('button', { name: 'Edit Profile' }).click();
  await page.getByRole('button', { name: 'Change' }).waitFor();
  await page.getByText('Chief Financial Officer').waitFor();
  await page.getByText('+46701234567').waitFor();

  // Another tab saves first: this one's save is stale and offers the latest version.
  await page.getByRole('button', { name: 'Change' }).click();
  await page.getByLabel('Job title').fill('CFO');
  const other = await context.newPage();
  await other.goto('/profile');
  await other.getByRole('button', { name: 'Change' }).click();
  await other.getByLabel('Last name').fill('Bergström');
  await other.getByRole('button', { name: 'Edit Profile' }).click();
  await other.getByRole('button', { name: 'Change' }).waitFor();
  await other.close();
  await page.getByRole('button', { name: 'Edit Profile' }).click();
  await page.getByRole('button', { name: 'Reload the latest version' }).click();
  await page.getByText('Bergström').first().waitFor();
});

test('the profile screen renders in under a second with a warm server', async () => {
  const { page } = await open();
  await signIn(page, DEMO.member);
  await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
  // Warm: the server has answered this user's queries once. The best of three full loads, so one
  // scheduler hiccup on a busy test machine does not decide a budget about the app.
  let elapsed = Infinity;
  for (let i = 0; i < 3; i++) {
    await page.goto('/sessions');
    const started = Date.now();
    await page.goto('/profile');
    await page.getByText('maja.lind@acme.example.com', { exact: true }).last().waitFor();
    elapsed = Math.min(elapsed, Date.now() - started);
  }
  expect(elapsed).toBeLessThan(1000);
});

test('a change shows its progress and is sent once however often it is submitted', async () => {
  const { page } = await open();
  await signIn(page, DEMO.individual);
  await page.getByRole('button', { name: 'Change' }).click();
  // Hold the answer to the change for a moment, counting how many were sent.
  let sent = 0;
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/graphql', async (route) => {
    if ((route.request().postDataJSON() as { operationName?: string } | null)?.operationName !== 'UpdateProfile') return route.fallback();
    sent += 1;
    await held;
    return route.fallback();
  });
  await page.getByLabel('Job title').fill('Head of Widgets');
  const save = page.getByRole('button', { name: /Edit Profile/ });
  await save.click();
  await expect.poll(() => save.getAttribute('aria-busy')).toBe('true');
  expect(await save.isDisabled()).toBe(true);
  await page.getByText('(Saving…)').waitFor(); // the button says what it is doing
  await page.getByLabel('Job title').press('Enter'); // implicit submission: no enabled submit button
  await page.getByRole('form', { name: 'Edit personal profile' }).evaluate((form: HTMLFormElement) => form.requestSubmit()); // past the button
  release();
  await page.getByRole('button', { name: 'Change' }).waitFor();
  await page.getByText('Head of Widgets').waitFor();
  expect(sent).toBe(1);
});
