// The three report files in a compiled folder, rewritten by every stage that learns something
// new (compile, build, run, run --profile), so that they always describe what is there.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import { buildReport, formatReport, readReportInputs, type Report } from './index.js';

export const REPORT_FILES = { json: 'report.json', txt: 'report.txt', html: 'report.html' } as const;

export function writeReportFiles(dir: string): Report {
  const report = buildReport(readReportInputs(dir));
  writeFileSync(join(dir, REPORT_FILES.json), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, REPORT_FILES.txt), `${formatReport(report)}\n`);
  writeFileSync(join(dir, REPORT_FILES.html), renderHtml(report));
  return report;
}
