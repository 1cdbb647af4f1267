// Writes each jest run's totals to $AMESH_TEST_RESULTS/<project>.json so that .ci/run can print
// one "N passed, N failed" line for the whole workspace (CI reads that line, not jest's output).
const fs = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }
  onRunComplete(_contexts, results) {
    const dir = process.env.AMESH_TEST_RESULTS;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    const name = path.relative(path.resolve(__dirname, '..', '..'), this.rootDir).replace(/[\\/]/g, '_') || 'root';
    fs.writeFileSync(
      path.join(dir, `${name}.json`),
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        suites: results.numTotalTestSuites,
      }),
    );
  }
}
module.exports = ResultsReporter;
