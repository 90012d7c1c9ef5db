// Merges the JSON results of npm test's jest phases into one file of the same shape (the counts
// .ci/run reads, and every file's results). A phase that left no results file counts as one failed
// test: a crashed phase must never pass as an empty one.
const fs = require("fs");

const [out, ...inputs] = process.argv.slice(2);
const merged = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTotalTests: 0, numFailedTestSuites: 0, numTotalTestSuites: 0, success: true, startTime: Infinity, testResults: [] };
for (const file of inputs) {
    let r;
    try {
        r = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        process.stderr.write(`test: no results from ${file}: counted as one failed test\n`);
        merged.numFailedTests += 1;
        merged.numTotalTests += 1;
        merged.success = false;
        continue;
    }
    for (const k of ["numPassedTests", "numFailedTests", "numPendingTests", "numTotalTests", "numFailedTestSuites", "numTotalTestSuites"]) merged[k] += r[k] ?? 0;
    merged.success = merged.success && !!r.success;
    merged.startTime = Math.min(merged.startTime, r.startTime ?? Infinity);
    merged.testResults.push(...(r.testResults ?? []));
}
fs.writeFileSync(out, JSON.stringify(merged));
