/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after Jest's own summary,
 * so CI tooling that reads the last line sees how many tests ran. It goes to stderr,
 * where Jest writes its summary, so it stays last.
 */
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stderr.write(
      `\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}
module.exports = ClosingLineReporter;
