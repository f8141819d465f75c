// Counts leaf test results in JUnit XML reports (deno test --junit-path, bun
// test --reporter=junit, node --test-reporter=junit, tests/workerd/run.ts):
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
  // Bun and Node write passing cases as self-closing <testcase .../>, and
  // Node leaves ">" unescaped inside attribute values.
  const re = /<testcase\b((?:[^>"]|"[^"]*")*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m; (m = re.exec(xml)) !== null;) {
    const body = m[2] ?? "";
    // A node:test todo runs on Node, and its report holds the failure
    // next to <skipped type="todo">: expected, so it counts as skipped.
    const todo = /<skipped type="todo"/.test(body);
    cases.push({
      name: /\bname="([^"]*)"/.exec(m[1])?.[1] ?? "",
      failed: !todo && /<failure|<error/.test(body),
      skipped: /<skipped/.test(body),
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
