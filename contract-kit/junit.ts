// The report as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test reporters) read.
import type { ContractReport } from './suite.js';

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function junitXml(report: ContractReport, target: string): string {
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const total = report.results.reduce((s, r) => s + r.ms, 0);
  const cases = report.results.map((r) => {
    const open = `    <testcase classname="access-profiles-contract" name="${escapeXml(r.name)}" time="${time(r.ms)}"`;
    if (r.outcome === 'passed') return `${open}/>`;
    if (r.outcome === 'skipped')
      return `${open}>\n      <skipped message="${escapeXml(r.reason ?? '')}"/>\n    </testcase>`;
    const text = r.problems.join('\n');
    return `${open}>\n      <failure message="${escapeXml(r.problems[0] ?? '')}">${escapeXml(text)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="access-profiles-contract" tests="${report.results.length}" failures="${report.failed}" skipped="${report.skipped}" time="${time(total)}">`,
    `  <testsuite name="access-profiles-contract ${escapeXml(target)}" tests="${report.results.length}" failures="${report.failed}" errors="0" skipped="${report.skipped}" time="${time(total)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
