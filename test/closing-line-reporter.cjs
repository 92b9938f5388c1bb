/**
 * Prints one plain closing line, "N passed, N failed, N skipped", after everything Jest prints,
 * so CI tooling that reads the last line sees how many tests ran. Jest's summary reporter
 * writes after custom reporters, hence the wait for process exit.
 */
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const line = `\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`;
    process.once("exit", () => process.stderr.write(line));
  }
}
module.exports = ClosingLineReporter;
