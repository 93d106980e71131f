// Writes dist/persisted-operations.json: {sha256 hex: document text} for every operation the panel
// can send, the text being exactly what urql puts in the request body (its printer, with the
// __typename fields its cache adds), so the hashes are the ones Automatic Persisted Queries use.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatDocument, stringifyDocument } from '@urql/core';

/** The generated typed documents, by operation name, from src/gql/graphql.ts. */
export function generatedDocuments(source = readFileSync(new URL('../src/gql/graphql.ts', import.meta.url), 'utf8')) {
  const documents = {};
  for (const match of source.matchAll(/^export const (\w+)Document = (\{.*\}) as unknown as DocumentNode</gm)) {
    documents[match[1]] = JSON.parse(match[2]);
  }
  return documents;
}

/** The query text urql sends for a document. */
export function sentText(document) {
  return stringifyDocument(formatDocument(structuredClone(document)));
}

export function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

export function persistedOperations(documents = generatedDocuments()) {
  const manifest = {};
  for (const document of Object.values(documents)) {
    const text = sentText(document);
    manifest[sha256(text)] = text;
  }
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const manifest = persistedOperations();
  const out = new URL('../dist/persisted-operations.json', import.meta.url);
  writeFileSync(out, JSON.stringify(manifest, null, 1) + '\n');
  console.log(`persisted-operations.json: ${Object.keys(manifest).length} operations`);
}
