// MFA: the toggle, the QR code, a TOTP from the secret shown, recovery codes once; then sign-in's second step.
import { Secret, TOTP } from 'otpauth';
import { expect, test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite();

function totp(secret: string, offsetSteps = 0): string {
  const generator = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
  return generator.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

test('mfa: enable with the QR secret, then sign in with a TOTP code and with a recovery code', async () => {
  const { page } = await open();
  await signIn(page, DEMO.individual, '/mfa');
  const toggle = page.getByRole('switch', { name: 'Please Enable your MFA First' });
  await toggle.waitFor();
  expect(await toggle.getAttribute('aria-checked')).toBe('false');
  await audit(page, 'mfa-off');
  await toggle.click();
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  expect(await toggle.getAttribute('aria-checked')).toBe('true');
  const secret = (await page.getByTestId('mfa-secret').textContent())!.trim();
  await audit(page, 'mfa-enrolling');

  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.locator('#field-code-error').waitFor();
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Submit' }).click();
  const codes = page.getByRole('region', { name: 'Recovery codes' }).locator('code');
  await codes.first().waitFor();
  expect(await codes.count()).toBe(10);
  const recovery = (await codes.nth(3).textContent())!.trim();
  await audit(page, 'mfa-recovery-codes');
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByText('10 of 10 recovery codes left.').waitFor();

  // Sign out; the second step takes the next step's TOTP (the one just used is spent).
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await signIn(page, DEMO.individual, '/mfa');
  await page.getByLabel('6-digit code from your authenticator app').fill(totp(secret, 1));
  await audit(page, 'sign-in-second-step');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('10 of 10 recovery codes left.').waitFor();
  expect(new URL(page.url()).pathname).toBe('/mfa');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, DEMO.individual, '/mfa');
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recovery);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('9 of 10 recovery codes left.').waitFor();
});
