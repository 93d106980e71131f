// The organization number is read-only; a transfer request goes to the cloud admins' queue, which approves it.
import { expect, test } from 'vitest';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite();

/** A Swedish organization number with a valid Luhn check digit. */
function orgNumber(first9: string): string {
  const sum = [...first9].reduce((acc, ch, i) => {
    const d = Number(ch) * (i % 2 === 0 ? 2 : 1);
    return acc + (d > 9 ? d - 9 : d);
  }, 0);
  return `${first9.slice(0, 6)}-${first9.slice(6)}${(10 - (sum % 10)) % 10}`;
}

test('transfer request: submitted by the account admin, approved in the cloud admin queue', async () => {
  const requested = orgNumber('559123456');
  const admin = await open();
  await signIn(admin.page, DEMO.accountAdmin, '/number');
  await admin.page.getByText('556012-5790').waitFor();
  await audit(admin.page, 'organization-number');
  await admin.page.getByLabel('New organization number').fill('123');
  await admin.page.getByLabel("New holder's name").fill('Acme Holding AB');
  await admin.page.getByRole('button', { name: 'Submit request' }).click();
  await admin.page.locator('#field-requestedNumber-error').waitFor();
  await admin.page.getByLabel('New organization number').fill(requested);
  await admin.page.getByLabel('Reason').fill('Merged into the holding company.');
  await admin.page.getByRole('button', { name: 'Submit request' }).click();
  await admin.page.getByRole('cell', { name: 'Waiting for the provider' }).waitFor();
  await audit(admin.page, 'organization-number-requested');

  const cloud = await open();
  await signIn(cloud.page, DEMO.cloudAdmin, '/transfer-requests');
  const card = cloud.page.getByRole('listitem', { name: 'Request from Acme Widgets AB' });
  await card.waitFor();
  await audit(cloud.page, 'transfer-requests');
  await card.getByLabel('Note to the customer').fill('Approved after checking the merger papers.');
  await card.getByRole('button', { name: 'Approve' }).click();
  await cloud.page.getByText('No requests are waiting.').waitFor();

  await admin.page.reload();
  await admin.page.getByRole('cell', { name: 'Approved' }).waitFor();
  await expect.poll(() => admin.page.getByText(requested, { exact: true }).count()).toBeGreaterThan(0);
});
