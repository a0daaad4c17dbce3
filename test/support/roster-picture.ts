import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { orgFileSchema } from '../../src/config/org-schema';
import { demoOrgFile } from '../../src/config/paths';
import { EXAMPLE_ORG, rosterWorkbook } from '../../src/config/roster/template';

/**
 * The template as a person sees it in Excel, for the README picture: the hidden sheet that holds
 * the 规则 drop-down's list is left out (test/bench/render-xlsx.ts draws every sheet).
 *
 *   npx tsx test/support/roster-picture.ts /tmp/template.xlsx
 *   npx tsx test/support/roster-picture.ts /tmp/demo-units.xlsx --demo-units   (the demo's 单位 sheet alone)
 *   npx tsx test/bench/render-xlsx.ts /tmp/template.xlsx docs/images/roster-template.png
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'roster-template.xlsx';
  const demoUnits = process.argv.includes('--demo-units');
  const org = demoUnits ? orgFileSchema.parse(parseYaml(readFileSync(demoOrgFile(), 'utf8'))) : EXAMPLE_ORG;
  const wb: ExcelJS.Workbook = rosterWorkbook(org, { example: !demoUnits });
  const hidden = wb.worksheets.filter((ws) => ws.state !== 'visible' || (demoUnits && ws.name !== '单位'));
  for (const ws of hidden) wb.removeWorksheet(ws.id);
  await wb.xlsx.writeFile(out);
  console.log(out);
}

void main();
