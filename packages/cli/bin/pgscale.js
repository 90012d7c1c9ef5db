#!/usr/bin/env node
// Committed, unlike dist/: npm links a workspace's bin only if the file exists when `npm ci` runs,
// and dist/ is built afterwards. The CLI itself is the compiled dist/main.js.
try {
    require.resolve("../dist/main.js");
} catch {
    process.stderr.write(`pgscale: ${require("path").join(__dirname, "../dist/main.js")} is missing; build it with \`npx tsc -b tsconfig.build.json\`\n`);
    process.exit(1);
}
require("../dist/main.js");
