#!/usr/bin/env node
// Committed, unlike dist/: npm links a workspace's bin only if the file exists when `npm ci` runs,
// and dist/ is built afterwards. The program itself is the compiled dist/bin.js.
try {
    require.resolve("../dist/bin.js");
} catch {
    process.stderr.write(`pgscale-testing: ${require("path").join(__dirname, "../dist/bin.js")} is missing; build it with \`npx tsc -b tsconfig.build.json\`\n`);
    process.exit(1);
}
require("../dist/bin.js");
