// Builds the demo shop into dist/ for any static host, and checks it so the example cannot rot:
// every page carries the Omnitrail snippet, every local link and asset exists, scripts parse.
//   OMNITRAIL_COLLECTOR=https://t.myshop.example OMNITRAIL_WRITE_KEY=wk_… npm run build
// (`omnitrail start` serves site/ itself at /demo/ with the demo site's key filled in.)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';

const here = new URL('.', import.meta.url).pathname;
const src = join(here, 'site');
const out = join(here, 'dist');
const collector = (process.env.OMNITRAIL_COLLECTOR ?? '').replace(/\/$/, '');
const vars = {
  '%OMNITRAIL_WRITE_KEY%': process.env.OMNITRAIL_WRITE_KEY ?? 'YOUR_WRITE_KEY',
  '%OMNITRAIL_SDK_URL%': `${collector}/sdk/omnitrail.min.js`,
};

const problems = [];
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const files = readdirSync(src);
for (const f of files) {
  let text = readFileSync(join(src, f), 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.split(k).join(v);
  if (/%OMNITRAIL_[A-Z_]+%/.test(text)) problems.push(`${f}: unknown placeholder ${text.match(/%OMNITRAIL_[A-Z_]+%/)[0]}`);
  if (f.endsWith('.html')) {
    if (!/<script[^>]+\/sdk\/omnitrail\.min\.js"[^>]+data-write-key="[^"]+"/.test(text)) problems.push(`${f}: no Omnitrail snippet`);
    for (const [, ref] of text.matchAll(/(?:href|src)="([^"#?:]+)(?:[?#][^"]*)?"/g)) {
      if (ref.startsWith('/') || ref.startsWith('tel')) continue;
      if (!existsSync(join(src, ref))) problems.push(`${f}: broken link ${ref}`);
    }
    if (!text.includes('id="handoff-code"')) problems.push(`${f}: footer lacks the handoff code`);
  }
  if (f.endsWith('.js')) {
    try {
      new Script(text, { filename: f });
    } catch (e) {
      problems.push(`${f}: ${e.message}`);
    }
  }
  writeFileSync(join(out, f), text);
}
if (!readFileSync(join(src, 'shop.js'), 'utf8').includes("ot('order'")) problems.push('shop.js: the confirmation page must call order()');
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`shop-script-tag: ${files.length} files → dist/ (SDK from ${vars['%OMNITRAIL_SDK_URL%']})`);
