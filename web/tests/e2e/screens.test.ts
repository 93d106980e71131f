// Every screen in every role's menu passes axe (no serious or critical violation) and is photographed.
import { test } from 'vitest';
import { visibleRoutes } from '../../src/routes';
import { audit, DEMO, signIn, suite } from './harness';

const { open } = suite();

for (const [who, role] of [
  ['cloudAdmin', 'CLOUD_ADMIN'],
  ['member', 'MEMBER'],
] as const) {
  test(`every screen a ${role} sees is accessible`, async () => {
    const { page } = await open();
    await signIn(page, DEMO[who]);
    await page.getByRole('heading', { name: 'Personal Profile' }).waitFor();
    for (const route of visibleRoutes(role)) {
      await page.getByRole('navigation').getByRole('link', { name: route.title }).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
      await audit(page, `screen-${route.id}-${role.toLowerCase()}`);
    }
  });
}
