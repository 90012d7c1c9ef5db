// docs/sharding.md shows examples/sharding/index.ts as it is: the program type-checked with
// tsconfig.test.json and run by test/e2e/sharding.test.ts.
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

it("docs/sharding.md's program is examples/sharding/index.ts, verbatim", () => {
    const md = fs.readFileSync(path.join(ROOT, "docs/sharding.md"), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(md)?.[1];
    expect(block).toBe(fs.readFileSync(path.join(ROOT, "examples/sharding/index.ts"), "utf8"));
});
