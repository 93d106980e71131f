import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { BUDGET_BYTES, initialScriptBytes } from '../../scripts/check-budget.mjs';
import { generatedDocuments, persistedOperations, sentText, sha256 } from '../../scripts/persisted-operations.mjs';
import { makeClient } from '../../src/client';
import * as generated from '../../src/gql/graphql';

afterEach(() => vi.unstubAllGlobals());

describe('the persisted-operations manifest', () => {
  const documents = generatedDocuments();

  test('covers every generated document', () => {
    const names = Object.keys(generated).filter((n) => n.endsWith('Document'));
    expect(Object.keys(documents).map((n) => `${n}Document`).sort()).toEqual(names.sort());
    expect(Object.keys(persistedOperations(documents))).toHaveLength(names.length);
  });

  test('holds exactly the text the panel sends, under its sha256', async () => {
    const sent: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push((JSON.parse(String(init.body)) as { query: string }).query);
      return new Response(JSON.stringify({ data: null }), { headers: { 'content-type': 'application/json' } });
    });
    const client = makeClient(() => undefined);
    const manifest = persistedOperations(documents);
    for (const [name, document] of Object.entries(documents)) {
      sent.length = 0;
      const op = document.definitions[0]?.kind === 'OperationDefinition' ? document.definitions[0].operation : 'query';
      await (op === 'mutation' ? client.mutation(document, {}) : client.query(document, {})).toPromise();
      expect(sent, name).toEqual([sentText(document)]);
      expect(manifest[sha256(sent[0]!)], name).toBe(sent[0]);
    }
  });
});

describe.runIf(existsSync(new URL('../../dist/index.html', import.meta.url)))('the build', () => {
  test(`keeps the initial JavaScript under ${BUDGET_BYTES / 1024} KB gzipped`, () => {
    const { files, total } = initialScriptBytes();
    expect(files.length).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  test('writes the manifest and the client routes', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../dist/persisted-operations.json', import.meta.url), 'utf8')) as Record<string, string>;
    expect(manifest).toEqual(persistedOperations());
    expect(JSON.parse(readFileSync(new URL('../../dist/routes.json', import.meta.url), 'utf8'))).toContain('/contacts');
  });
});
