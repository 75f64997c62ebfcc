// Reads vitest JSON reports and fails on any failed, skipped or todo test, or on an empty run.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
let total = 0;
for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  total += r.numTotalTests;
  if (r.numTotalTests === 0) {
    console.error(`FAIL: ${file} ran no test`);
    failed++;
  }
  for (const suite of r.testResults) {
    for (const t of suite.assertionResults) {
      if (t.status !== "passed") console.error(`${t.status}: ${suite.name} > ${t.fullName}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || skipped > 0 || total === 0) {
  if (skipped > 0) console.error("FAIL: skipped or todo tests are not allowed in CI");
  process.exit(1);
}
