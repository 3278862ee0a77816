/**
 * Jest reporter: writes this package's totals to <repo>/reports/jest/<package>.json so that
 * scripts/test-summary.cjs can print one closing line for the whole monorepo run.
 */
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(__dirname, '..', 'reports', 'jest');
    fs.mkdirSync(dir, { recursive: true });
    const name = path.relative(path.join(__dirname, '..'), this.rootDir).replace(/[\\/]/g, '__') || 'root';
    const failures = results.testResults.flatMap((f) =>
      f.testResults
        .filter((t) => t.status === 'failed')
        .map((t) => `${path.relative(this.rootDir, f.testFilePath)} › ${t.fullName}`),
    );
    const suiteErrors = results.testResults
      .filter((f) => f.testExecError)
      .map((f) => path.relative(this.rootDir, f.testFilePath));
    fs.writeFileSync(
      path.join(dir, `${name}.json`),
      JSON.stringify({
        package: name,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailedToRun: results.numRuntimeErrorTestSuites,
        failures,
        suiteErrors,
        success: results.success,
      }),
    );
  }
}

module.exports = SummaryReporter;
