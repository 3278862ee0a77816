/**
 * Jest reporter: writes this package's totals to <repo>/reports/jest/<package>.json so that
 * scripts/test-summary.cjs can print one closing line for the whole monorepo run.
 */
const fs = require('node:fs');
const path = require('node:path');

const MAX_LINES = 30;
const MAX_LINE = 300;

/** A failure message without ANSI colours, stack frames or blank lines, cut to MAX_LINES lines of MAX_LINE. */
function briefly(message) {
  // eslint-disable-next-line no-control-regex
  const lines = message.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const kept = lines.filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  return kept
    .slice(0, MAX_LINES)
    .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l))
    .concat(
      kept.length > MAX_LINES ? [`… ${kept.length - MAX_LINES} more lines in the package's own output`] : [],
    );
}

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(__dirname, '..', 'reports', 'jest');
    fs.mkdirSync(dir, { recursive: true });
    const name = path.relative(path.join(__dirname, '..'), this.rootDir).replace(/[\\/]/g, '__') || 'root';
    const failed = results.testResults.flatMap((f) =>
      f.testResults.filter((t) => t.status === 'failed').map((t) => ({ file: f.testFilePath, test: t })),
    );
    const failures = failed.map(
      ({ file, test }) => `${path.relative(this.rootDir, file)} › ${test.fullName}`,
    );
    // Why each test failed, short enough for the last lines of a CI log: the message without colours or stack.
    const reasons = failed.map(({ test }) => briefly(test.failureMessages.join('\n')));
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
        reasons,
        suiteErrors,
        success: results.success,
      }),
    );
  }
}

module.exports = SummaryReporter;
