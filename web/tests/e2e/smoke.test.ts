import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEMO, launch, openPanel, screenshot, signIn, startServer, type Server } from './harness';
import type { Browser } from 'playwright-core';

let server: Server;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test('smoke', async () => {
  const { page, foreign, context } = await openPanel(browser, server);
  page.on('console', (m) => console.log('console:', m.text()));
  await signIn(page, DEMO.accountAdmin);
  await expect.poll(() => page.url()).toContain('/profile');
  await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
  console.log(await context.cookies());
  await screenshot(page, 'smoke');
  expect(foreign).toEqual([]);
});
