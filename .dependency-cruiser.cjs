/**
 * The layering of src/ (issue 10 §4), checked by `npm test` (tests/architecture.test.ts):
 *
 *   lib  ←  core  ←  http          (app.ts and server.ts compose everything)
 *   lib  ←  db                      jobs → modules' public index.ts
 *   core, db, lib  ←  modules/<m>  → another module only through its index.ts
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle makes two files one: neither can be read, tested or moved alone.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'lib-is-the-floor',
      severity: 'error',
      comment: 'lib/ holds small domain-free helpers: it imports nothing of ours above it.',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'core-imports-only-lib',
      severity: 'error',
      comment: 'core/ is the vocabulary every layer shares (errors, problems, pagination, auth context).',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/lib/'] },
    },
    {
      name: 'http-names-no-module',
      severity: 'error',
      comment: 'The HTTP layer takes what it needs from modules as parameters (app.ts wires them).',
      from: { path: '^src/http/' },
      to: { path: '^src/(modules|jobs|cli|web)/' },
    },
    {
      name: 'db-below-modules',
      severity: 'error',
      comment: 'db/ (pool, schema, migrations, outbox, listener) knows no module, route or job.',
      from: { path: '^src/db/' },
      to: { path: '^src/(core|http|modules|jobs|cli|web)/' },
    },
    {
      name: 'modules-stay-below-http',
      severity: 'error',
      comment: 'Modules build on core/, db/ and lib/; the HTTP plumbing and the jobs build on them.',
      from: { path: '^src/modules/' },
      to: { path: '^src/(http|jobs|cli|web)/|^src/(app|server)\\.ts$' },
    },
    {
      name: 'modules-meet-through-index',
      severity: 'error',
      comment: "Another module is reached through its public index.ts only, never its insides.",
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'jobs-use-module-indexes',
      severity: 'error',
      comment: 'Jobs reach modules through their public index.ts, like modules reach each other.',
      from: { path: '^src/jobs/' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
