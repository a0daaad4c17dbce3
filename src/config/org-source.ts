import { readFile } from 'node:fs/promises';
import type { Org } from '../domain/org';
import { parseOrg } from './org-file';

/**
 * One problem found in an organisation file, where a person finds it: the YAML path and line, or
 * the roster's sheet, row and column. `message` is Chinese, for the admin who mends the file.
 */
export interface OrgProblem {
  /** "error" refuses the file; "warning" is reported and the file still loads. */
  severity: 'error' | 'warning';
  /** Where, as shown: `人员!B14`, `第 12 行 units[3].secretary`, or '' for the whole file. */
  where: string;
  message: string;
}

export type OrgLoad =
  | { ok: true; org: Org; problems: OrgProblem[]; /** The file's bytes' sha256, to tell versions apart. */ hash: string; /** The validated organisation as YAML, what /reload publishes. */ yaml: string }
  | { ok: false; problems: OrgProblem[] };

/**
 * Reads ORG_FILE — YAML or a roster workbook (.xlsx) — and checks all of it, returning every
 * problem at once. The one entry point for start-up, SIGHUP, /reload and `npm run org -- check`.
 * (Seam: the roster reader and the all-problems check replace this YAML-only first version.)
 */
export async function loadOrgSource(file: string, env: NodeJS.ProcessEnv = process.env): Promise<OrgLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ severity: 'error', where: file, message: `无法读取文件（${(err as NodeJS.ErrnoException).code ?? 'error'}）` }] };
  }
  try {
    const org = parseOrg(text, env, `ORG_FILE ${file}`);
    const { createHash } = await import('node:crypto');
    return { ok: true, org, problems: [], hash: createHash('sha256').update(text).digest('hex'), yaml: text };
  } catch (err) {
    return { ok: false, problems: [{ severity: 'error', where: file, message: (err as Error).message }] };
  }
}
