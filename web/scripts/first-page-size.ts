import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// The console's size budget: the JavaScript the first page loads (the entry and everything it
// imports statically), gzipped, must stay under 200 KB. Checked by web/scripts/build.ts.

export const BUDGET_BYTES = 200 * 1024;
export const OUT_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

export interface FirstPageSize {
  files: { file: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
  cssGzipBytes: number;
}

export async function firstPageSize(outDir = OUT_DIR): Promise<FirstPageSize> {
  const manifest = JSON.parse(await readFile(path.join(outDir, '.vite/manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const entry = manifest['index.html'];
  if (!entry?.isEntry) throw new Error('dist/console/.vite/manifest.json has no index.html entry');
  const seen = new Set<string>();
  const css = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || seen.has(chunk.file)) return;
    seen.add(chunk.file);
    for (const c of chunk.css ?? []) css.add(c);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit('index.html');
  const measure = async (file: string) => {
    const bytes = await readFile(path.join(outDir, file));
    return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  };
  const files = await Promise.all([...seen].map(measure));
  const styles = await Promise.all([...css].map(measure));
  return {
    files,
    gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0),
    cssGzipBytes: styles.reduce((n, f) => n + f.gzipBytes, 0),
  };
}
