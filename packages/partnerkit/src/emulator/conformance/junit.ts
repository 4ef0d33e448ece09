import type { CheckResult, ConformanceReport } from "./report.ts";

// JUnit needs five elements and attribute escaping; a library would add a dependency for that.
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Text safe in an XML 1.0 attribute: escaped, and without the control characters XML forbids. */
function xmlText(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
      .replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character)
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(result: CheckResult): string {
  const attributes = `classname="partnerkit.conformance" name="${xmlText(`${result.section} ${result.id}: ${result.title}`)}" time="${seconds(result.ms)}"`;
  const detail = xmlText(result.detail ?? "");
  switch (result.status) {
    case "fail":
      return `    <testcase ${attributes}>\n      <failure message="${detail}"/>\n    </testcase>`;
    case "skip":
      return `    <testcase ${attributes}>\n      <skipped message="${detail}"/>\n    </testcase>`;
    case "warn":
      return `    <testcase ${attributes}>\n      <system-out>WARN: ${detail}</system-out>\n    </testcase>`;
    case "pass":
      return `    <testcase ${attributes}/>`;
  }
}

/** The report as JUnit XML, one testcase per check: failures fail, skips skip, WARNs pass with output. */
export function junitXml(report: ConformanceReport): string {
  const time = seconds(report.results.reduce((total, result) => total + result.ms, 0));
  const counts = `tests="${report.results.length}" failures="${report.failed}" errors="0" skipped="${report.skipped}" time="${time}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="partnerkit conformance" ${counts}>`,
    `  <testsuite name="partnerkit conformance" ${counts}>`,
    ...report.results.map(testcase),
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
