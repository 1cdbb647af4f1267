// Sums the per-project files of jest-results-reporter.cjs into the line CI recognises.
const fs = require('node:fs');
const path = require('node:path');
// argv: <results dir> <exit code of npm test>. A non-zero exit with no failed test (a typecheck or
// build failure, or a project Nx never ran) still counts as a failure, so the line cannot lie.
const dir = process.argv[2];
const exitCode = Number(process.argv[3] ?? 0);
let passed = 0;
let failed = 0;
for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  console.log(`  ${f.replace(/\.json$/, '')}: ${r.passed} passed, ${r.failed} failed`);
  passed += r.passed;
  failed += r.failed;
}
if (exitCode !== 0 && failed === 0) {
  console.log(`  npm test exited with ${exitCode} outside jest (typecheck, build or a project that did not run)`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
