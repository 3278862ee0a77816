/**
 * Prints the closing line of a whole test run from the per-package files the Jest reporter wrote:
 * failures first, then `tests: N passed, N failed, N skipped`. Exits non-zero when anything failed,
 * when a suite could not run, or when no test ran at all.
 */
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'reports', 'jest');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = 0;
for (const f of files.sort()) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  broken += r.suitesFailedToRun;
  const mark = r.failed || r.suitesFailedToRun ? 'FAIL' : 'ok  ';
  console.log(`${mark} ${r.package}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  r.failures.forEach((t, i) => {
    console.log(`       failed: ${t}`);
    for (const line of (r.reasons ?? [])[i] ?? []) console.log(`         | ${line}`);
  });
  for (const s of r.suiteErrors) console.log(`       could not run: ${s}`);
}
const expected = Number(process.argv[2] || 0);
if (expected && files.length < expected) {
  console.log(`only ${files.length} of ${expected} packages reported results`);
  broken += expected - files.length;
}
console.log(`tests: ${passed} passed, ${failed + broken} failed, ${skipped} skipped`);
process.exit(failed + broken > 0 || passed === 0 ? 1 : 0);
