/**
 * A terse reporter for `node --test` (the Node run of the test suite,
 * scripts/test_node.ts): a dot per passing test, then each failure in
 * full (its file, name and error), then the runner's counts as
 * `# tests N`, `# pass N`, ... lines, last.
 *
 *     node --test --test-reporter=./scripts/terse_reporter.mjs npm/esm/tests/
 */
import { inspect } from "node:util";

const WIDTH = 80;

export default async function* terse(source) {
  let column = 0;
  const failures = [];
  const summary = [];
  for await (const { type, data } of source) {
    if (type === "test:pass" || type === "test:fail") {
      // A suite fails when one of its tests does: that test is reported.
      const error = data.details?.error;
      if (type === "test:fail" && error?.failureType !== "subtestsFailed") {
        failures.push(data);
      }
      if (data.details?.type === "suite") continue;
      yield type === "test:pass" ? "." : "F";
      if (++column === WIDTH) {
        column = 0;
        yield "\n";
      }
    } else if (type === "test:stderr") {
      failures.push({ stderr: data.message, file: data.file });
    } else if (type === "test:diagnostic" && data.nesting === 0) {
      summary.push(`# ${data.message}\n`);
    }
  }
  if (column > 0) yield "\n";
  for (const f of failures) {
    if (f.stderr !== undefined) {
      yield `\n[stderr of ${f.file ?? "a test file"}] ${f.stderr}`;
      continue;
    }
    const error = f.details?.error;
    const shown = error?.cause ?? error;
    yield `\nFAIL ${f.file ?? ""}\n  ${f.name}\n${
      inspect(shown, { depth: 4 }).replace(/^/gm, "    ")
    }\n`;
  }
  yield "\n" + summary.join("");
}
