// Counts leaf test results in JUnit XML reports (deno test --junit-path):
// a node:test `describe` appears as a test case whose name prefixes its
// children's ("suite > case"), so only the innermost cases are counted.
// Usage: node .ci/count.mjs report.xml ... -> prints "passed failed skipped".
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const xml = readFileSync(file, "utf8");
  const cases = [];
  const re =
    /<testcase name="([^"]*)" classname="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g;
  for (let m; (m = re.exec(xml)) !== null;) {
    cases.push({
      name: m[1],
      failed: /<failure|<error/.test(m[3]),
      skipped: /<skipped/.test(m[3]),
    });
  }
  const parents = new Set();
  for (const { name } of cases) {
    const parts = name.split(" &gt; ");
    for (let i = 1; i < parts.length; i++) {
      parents.add(parts.slice(0, i).join(" &gt; "));
    }
  }
  for (const c of cases) {
    if (parents.has(c.name)) continue;
    if (c.failed) failed++;
    else if (c.skipped) skipped++;
    else passed++;
  }
}
console.log(`${passed} ${failed} ${skipped}`);
