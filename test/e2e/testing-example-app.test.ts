// Runs the copyable example of examples/app-tests as part of the repository's suite: the root jest
// config only collects test/** and packages/*/src/**, so its test file is pulled in from here.
import "../../examples/app-tests/test/orders.test";
