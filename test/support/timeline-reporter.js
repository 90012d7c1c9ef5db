// A jest reporter for `npm test`: one line per finished test file with the time since the run
// started (PGSCALE_TIMELINE_START, in ms, spans npm test's phases), and at the end the slowest
// files, so a run's log shows where its time went (and how far a run cut short had got).
const os = require("os");

class TimelineReporter {
    onRunStart() {
        this.started = Number(process.env.PGSCALE_TIMELINE_START) || Date.now();
        this.files = [];
        process.stderr.write(`timeline: start, ${os.cpus().length} cpus, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
    }

    onTestFileResult(test, result) {
        const seconds = (result.perfStats.end - result.perfStats.start) / 1000;
        const name = test.path.slice(test.context.config.rootDir.length + 1);
        const verdict = result.numFailingTests > 0 || result.testExecError ? "FAIL" : "ok";
        this.files.push({ name, seconds });
        process.stderr.write(`timeline: +${this.elapsed()} ${verdict} ${name} ${seconds.toFixed(1)}s (load ${os.loadavg()[0].toFixed(2)})\n`);
    }

    onRunComplete() {
        const slowest = [...this.files].sort((a, b) => b.seconds - a.seconds).slice(0, 15);
        process.stderr.write(`timeline: done after ${this.elapsed()}; slowest files:\n`);
        for (const f of slowest) process.stderr.write(`timeline:   ${f.seconds.toFixed(1).padStart(7)}s ${f.name}\n`);
    }

    elapsed() {
        const s = Math.round((Date.now() - this.started) / 1000);
        return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    }
}

module.exports = TimelineReporter;
