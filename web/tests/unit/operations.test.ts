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

  test('names each operation by the sha256 of exactly the text the panel sends', async () => {
    interface Body {
      query?: string;
      extensions?: { persistedQuery?: { version: number; sha256Hash: string } };
    }
    const sent: Body[] = [];
    // A server that has not seen the hash yet: the client then sends the text with it.
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as Body;
      sent.push(body);
      const answer = body.query ? { data: null } : { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
      return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
    });
    const client = makeClient(() => undefined);
    const manifest = persistedOperations(documents);
    for (const [name, document] of Object.entries(documents)) {
      sent.length = 0;
      const op = document.definitions[0]?.kind === 'OperationDefinition' ? document.definitions[0].operation : 'query';
      await (op === 'mutation' ? client.mutation(document, {}) : client.query(document, {})).toPromise();
      const hash = sha256(sentText(document));
      expect(sent.map((b) => [b.query, b.extensions?.persistedQuery]), name).toEqual([
        [undefined, { version: 1, sha256Hash: hash }],
        [sentText(document), { version: 1, sha256Hash: hash, miss: true }],
      ]);
      expect(manifest[hash], name).toBe(sentText(document));
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
