import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { build } from 'vite';
import { BUDGET_BYTES, firstPageSize, OUT_DIR } from './first-page-size.js';

// `npm run web:build` (part of `npm run build`): bundles the console, writes .br and .gz
// siblings of its text assets (the server sends them to browsers that accept them), and
// fails when the first page's JavaScript is over budget.

const COMPRESSIBLE = /\.(js|css|svg|html|json)$/;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function precompress(dir: string): Promise<void> {
  const brotli = promisify(brotliCompress);
  const gz = promisify(gzip);
  for (const name of await readdir(dir)) {
    if (!COMPRESSIBLE.test(name)) continue;
    const file = path.join(dir, name);
    const bytes = await readFile(file);
    await writeFile(`${file}.gz`, await gz(bytes, { level: 9 }));
    await writeFile(
      `${file}.br`,
      await brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }),
    );
  }
}

await build({
  configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
  logLevel: 'warn',
});
await precompress(path.join(OUT_DIR, 'assets'));
const size = await firstPageSize();
console.log(
  `console: first page JavaScript ${kb(size.gzipBytes)} gzipped (budget ${kb(BUDGET_BYTES)}), CSS ${kb(size.cssGzipBytes)} gzipped`,
);
if (size.gzipBytes >= BUDGET_BYTES) {
  console.error(`console: the first page's JavaScript is over its ${kb(BUDGET_BYTES)} budget`);
  process.exit(1);
}
