// The initial JavaScript (what index.html loads before the first render) must stay small.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 150 * 1024;

/** Gzipped bytes of every script and modulepreload that dist/index.html names. */
export function initialScriptBytes(dist = new URL('../dist/', import.meta.url)) {
  const html = readFileSync(new URL('index.html', dist), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/?([^"]+\.js)"/g)].map((m) => m[1]);
  const sizes = files.map((file) => [file, gzipSync(readFileSync(new URL(file, dist))).length]);
  return { files: sizes, total: sizes.reduce((sum, [, n]) => sum + n, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { files, total } = initialScriptBytes();
  console.log(`initial JS: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB): ${files.map(([f]) => f).join(', ')}`);
  if (!files.length) throw new Error('no script found in dist/index.html');
  if (total > BUDGET_BYTES) {
    console.error('over budget');
    process.exit(1);
  }
}
