// npm test's first phase runs the unit and integration suites on two workers beside the Kubernetes
// e2e suite (project "kubernetes"), which mostly waits on its cluster: it goes first, so that one
// worker carries it while the other takes every short suite, instead of it running alone at the end.
const Sequencer = require("@jest/test-sequencer").default;

class KubernetesFirst extends Sequencer {
    sort(tests) {
        const sorted = super.sort(tests);
        const first = (t) => (t.context.config.displayName?.name === "kubernetes" ? 0 : 1);
        return [...sorted].sort((a, b) => first(a) - first(b));
    }
}

module.exports = KubernetesFirst;
