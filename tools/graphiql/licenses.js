// Writes GraphiQL's LICENSE and the licenses of every package in the bundle beside the build.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = '../../server/static/graphiql';
copyFileSync('node_modules/graphiql/LICENSE', join(OUT, 'LICENSE'));

const dirs = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { encoding: 'utf8' })
  .split('\n')
  .filter((d) => d.includes('node_modules'));
const seen = new Set();
const parts = [];
for (const dir of dirs.sort()) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const id = `${pkg.name}@${pkg.version}`;
  if (seen.has(id)) continue;
  seen.add(id);
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  const text = file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${pkg.license}`;
  parts.push(`${id} (${pkg.license})\n\n${text}\n`);
}
writeFileSync(join(OUT, 'THIRD_PARTY_LICENSES.txt'), parts.join('\n' + '-'.repeat(72) + '\n\n'));
