// A real `tenantry serve` on a temporary SQLite file, and Chromium that may talk to it alone.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFailed } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');
const TENANTRY = join(REPO, '.venv/bin/tenantry');
export const RESULTS = resolve(import.meta.dirname, '../../test-results');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export const DEMO = {
  cloudAdmin: { email: 'clara.nilsson@cloud.example.com', password: 'violet-harbor-lantern-42' },
  accountAdmin: { email: 'anders.berg@acme.example.com', password: 'amber-meadow-compass-17' },
  member: { email: 'maja.lind@acme.example.com', password: 'silver-orchard-kettle-88' },
  individual: { email: 'ingrid.holm@mail.example.com', password: 'cobalt-river-window-53' },
} as const;

export interface Server {
  origin: string;
  varDir: string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface ServerOptions {
  /**
   * The name the browser uses for the server: 127.0.0.1 by default; `localhost` where passkeys are
   * needed (WebAuthn refuses an IP address as the relying party, and localhost is a secure context).
   */
  host?: '127.0.0.1' | 'localhost';
}

/** Seeds the demo users into a fresh SQLite file and serves it (and the built panel) on a free port. */
export async function startServer({ host = '127.0.0.1' }: ServerOptions = {}): Promise<Server> {
  if (!existsSync(join(REPO, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `npm run build` first');
  const varDir = await mkdtemp(join(tmpdir(), 'tenantry-e2e-'));
  const port = await freePort();
  const origin = `http://${host}:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TENANTRY_ENV: 'test',
    TENANTRY_VAR_DIR: varDir,
    TENANTRY_BCRYPT_ROUNDS: '4',
    TENANTRY_ALLOWED_ORIGINS: origin,
    TENANTRY_OUTBOX_POLL_SECONDS: '0.2',
    TENANTRY_ACCESS_LOG: 'false',
    TENANTRY_LOG_LEVEL: 'WARNING',
    // Every test signs in from 127.0.0.1 against one server: budgets the suite never reaches.
    TENANTRY_RATE_LIMIT_POINTS: '1000000000',
    TENANTRY_RATE_LIMIT_ANONYMOUS_POINTS: '1000000000',
    // As in production: the session cookie may run only the panel's own operations (the manifest).
    TENANTRY_PERSISTED_ONLY: 'true',
    TENANTRY_WEBAUTHN_RP_ID: 'localhost',
  };
  delete env['TENANTRY_SMTP_URL'];
  delete env['TENANTRY_DATABASE_URL'];
  await promisify(execFile)(TENANTRY, ['demo'], { env, cwd: REPO });
  const child: ChildProcess = spawn(TENANTRY, ['serve', '--port', String(port)], { env, cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild); // never outlive the test process, whatever happened to the suite
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tenantry serve exited: ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`tenantry serve did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    varDir,
    stop: async () => {
      process.off('exit', killChild);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(varDir, { recursive: true, force: true });
    },
  };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface Panel {
  context: BrowserContext;
  page: Page;
  /** Requests the page tried to send anywhere but the app's own origin (each was blocked). */
  foreign: string[];
  /** Content-Security-Policy violations the browser reported. */
  csp: string[];
  /** /graphql requests that carried their query text or no persisted-query hash (should be none). */
  unhashed: string[];
}

/** A fresh browser profile whose every request to another origin is blocked and recorded. */
export async function openPanel(browser: Browser, server: Server): Promise<Panel> {
  const context = await browser.newContext({ baseURL: server.origin, viewport: { width: 1280, height: 860 } });
  const foreign: string[] = [];
  const unhashed: string[] = [];
  await context.route('**/*', (route) => {
    const request = route.request();
    const url = request.url();
    const problem = new URL(url).pathname === '/graphql' ? notByHash(request.method(), url, request.postData()) : null;
    if (problem) unhashed.push(problem);
    if (new URL(url).origin === server.origin) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  const csp: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) csp.push(m.text());
  });
  return { context, page, foreign, csp, unhashed };
}

/** Why a GraphQL request does not name its document by hash alone (Automatic Persisted Queries), or null. */
function notByHash(method: string, url: string, body: string | null): string | null {
  const sent = (method === 'GET' ? Object.fromEntries(new URL(url).searchParams) : JSON.parse(body ?? '{}')) as Record<string, unknown>;
  const extensions = (typeof sent['extensions'] === 'string' ? JSON.parse(sent['extensions']) : sent['extensions']) as
    | { persistedQuery?: { sha256Hash?: string } }
    | undefined;
  const name = String(sent['operationName'] ?? String(sent['query'] ?? '').slice(0, 60));
  if (sent['query']) return `${method} ${name}: sent its text`;
  if (!/^[0-9a-f]{64}$/.test(extensions?.persistedQuery?.sha256Hash ?? '')) return `${method} ${name}: no sha256Hash`;
  return null;
}

/**
 * Fails the test when the page tried to reach another origin, broke the CSP, or sent a GraphQL
 * document by its text instead of its manifest hash.
 */
export function expectOwnOriginOnly(panel: Panel): void {
  expect(panel.foreign, 'requests to other origins').toEqual([]);
  expect(panel.csp, 'CSP violations').toEqual([]);
  expect(panel.unhashed, 'GraphQL requests not by persisted-query hash alone').toEqual([]);
}

/** One server and one browser for a test file; every panel opened is checked at the end. */
export function suite(options: ServerOptions = {}): { server: () => Server; open: () => Promise<Panel> } {
  let server: Server | undefined;
  let browser: Browser | undefined;
  const panels: Panel[] = [];
  // Kept so that afterAll still stops a server or browser that came up after beforeAll timed out.
  const starting: Promise<unknown>[] = [];
  beforeAll(async () => {
    const both = Promise.all([startServer(options), launch()]);
    starting.push(both);
    [server, browser] = await both;
  });
  afterAll(async () => {
    const [late] = await Promise.allSettled(starting);
    if (late?.status === 'fulfilled') [server, browser] = late.value as [Server, Browser];
    for (const p of panels) expectOwnOriginOnly(p);
    await browser?.close();
    await server?.stop();
  });
  return {
    server: () => server!,
    open: async () => {
      const p = await openPanel(browser!, server!);
      panels.push(p);
      onTestFailed(async ({ task }) => {
        await screenshot(p.page, `FAILED-${task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
      });
      return p;
    },
  };
}

/** axe-core on the page as it is: no serious or critical violation. Then a screenshot for people. */
export async function audit(page: Page, name: string): Promise<void> {
  await page.evaluate(axe.source); // through DevTools, so the page's CSP still holds for the page itself
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, `axe on ${name}`).toEqual([]);
  await screenshot(page, name);
}

/** Press Tab until the focused element has this accessible name (keyboard-only use). */
export async function tabTo(page: Page, name: string | RegExp, { max = 60, shift = false } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? (el.getAttribute('aria-label') ?? (el as HTMLInputElement).labels?.[0]?.textContent ?? el.textContent ?? '').trim() : '';
    });
    if (typeof name === 'string' ? focused === name : name.test(focused)) return;
  }
  throw new Error(`Tab never reached ${String(name)}`);
}

export async function signIn(page: Page, user: { email: string; password: string }, path = '/profile'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The .eml files in order of writing: their names order them only to the second. */
async function mailNames(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => n.endsWith('.eml'));
  const written = new Map(await Promise.all(names.map(async (n) => [n, (await stat(join(dir, n))).mtimeMs] as const)));
  return names.sort((a, b) => written.get(a)! - written.get(b)! || a.localeCompare(b));
}

/** The newest 6-digit code mailed to `to`, from the dev mail folder (var/mail/*.eml). */
export async function mailedCode(server: Server, to: string, after = 0): Promise<string> {
  const dir = join(server.varDir, 'mail');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const names = await mailNames(dir);
    for (const name of names.slice(after).reverse()) {
      const text = await readFile(join(dir, name), 'utf8');
      const headers = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
      if (!new RegExp(`^To:.*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(headers)) continue;
      const code = decodeBody(text).match(/\b(\d{6})\b/);
      if (code?.[1]) return code[1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code mailed to ${to}`);
}

/** The first group of `pattern` in the newest mail to `to` that matches it, from the dev mail folder. */
export async function mailedMatch(server: Server, to: string, pattern: RegExp, after = 0): Promise<string> {
  const dir = join(server.varDir, 'mail');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const names = await mailNames(dir);
    for (const name of names.slice(after).reverse()) {
      const text = await readFile(join(dir, name), 'utf8');
      const headers = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
      if (!new RegExp(`^To:.*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(headers)) continue;
      const found = decodeBody(text).replace(/=3D/g, '=').match(pattern);
      if (found?.[1]) return found[1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} matches ${String(pattern)}`);
}

/** The newest "This wasn't me" link mailed to `to`, as a path with its #token= fragment. */
export async function mailedReportLink(server: Server, to: string, after = 0): Promise<string> {
  return `/report-activity#token=${await mailedMatch(server, to, /\/report-activity#token=([A-Za-z0-9_-]+)/, after)}`;
}

/** The newest password-reset code mailed to `to` (XXXXX-XXXXX). */
export async function mailedResetCode(server: Server, to: string, after = 0): Promise<string> {
  return mailedMatch(server, to, /\b([A-Z0-9]{5}-[A-Z0-9]{5})\b/, after);
}

/** How many mails the dev mail folder holds: pass to mailedCode to look only at newer ones. */
export async function mailCount(server: Server): Promise<number> {
  const dir = join(server.varDir, 'mail');
  return existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.eml')).length : 0;
}

function decodeBody(eml: string): string {
  // Parts may be base64 or quoted-printable; decode every base64 block and unfold soft breaks.
  const base64 = [...eml.matchAll(/Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/g)].map((m) =>
    Buffer.from((m[1] ?? '').replace(/\s/g, ''), 'base64').toString('utf8'),
  );
  return [eml.replace(/=\r?\n/g, ''), ...base64].join('\n');
}

/**
 * The README's pictures: with PANEL_SCREENSHOTS=1 (`PANEL_SCREENSHOTS=1 npm run e2e`), the visible
 * part of the page is saved as web/screenshots/<name>.png, which is committed (keep each small).
 */
export async function readmeScreenshot(page: Page, name: 'profile' | 'contacts'): Promise<void> {
  if (process.env['PANEL_SCREENSHOTS'] !== '1') return;
  await page.screenshot({ path: join(REPO, 'web/screenshots', `${name}.png`) });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
}
