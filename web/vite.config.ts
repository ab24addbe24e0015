import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console: built into dist/console/ by `npm run build`, served by the API process
// (src/web/console.ts). Everything it needs is bundled: no CDN, no external fonts.
const root = fileURLToPath(new URL('.', import.meta.url));
const API = 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  // Preact's automatic JSX runtime, without a framework preset (no dev-time refresh needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // Read by the size budget (web/scripts/first-page-size.ts).
    manifest: true,
    // Nothing inlined as data: URLs, so the Content-Security-Policy stays 'self' only.
    assetsInlineLimit: 0,
    // Supported browsers: the last two years of evergreen ones.
    target: 'es2022',
    reportCompressedSize: false,
  },
  // `npm run web:dev`: the console with hot reload on :5173, the API of `npm start` behind it.
  // The API checks a session's Origin: the proxy presents the API's own.
  server: {
    proxy: {
      '/v1': { target: API, changeOrigin: true, headers: { origin: API } },
      '/docs': { target: API, changeOrigin: true },
    },
  },
});
