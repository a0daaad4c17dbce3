import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Org } from '../domain/org';
import { checkOrgData, checkOrgYaml, mergeProblems, rosterLocator, type CheckOptions } from './org-check';
import { readRoster } from './roster/read-roster';
import { orgYaml } from './roster/write-yaml';

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

/** A roster workbook is read by its extension; anything else is YAML. */
export function isRoster(file: string): boolean {
  return path.extname(file).toLowerCase() === '.xlsx';
}

/**
 * Reads ORG_FILE — YAML or a roster workbook (.xlsx) — and checks all of it, returning every
 * problem at once. The one entry point for start-up, SIGHUP, /reload and `npm run org -- check`.
 */
export async function loadOrgSource(file: string, env: NodeJS.ProcessEnv = process.env, opts: CheckOptions = {}): Promise<OrgLoad> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, problems: [{ severity: 'error', where: file, message: `无法读取文件（${(err as NodeJS.ErrnoException).code ?? 'error'}）` }] };
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (isRoster(file)) {
    const read = await readRoster(bytes);
    // Not a workbook at all: that one problem, not the schema's about an empty organisation.
    if (read.problems.some((p) => p.severity === 'error' && p.where === '')) return { ok: false, problems: read.problems };
    const checked = checkOrgData(read.raw, env, rosterLocator(read.sources), opts);
    const problems = [...mergeProblems(read.problems, checked.problems), ...(read.idNotice ? [read.idNotice] : [])];
    if (!checked.org || problems.some((p) => p.severity === 'error')) return { ok: false, problems };
    return { ok: true, org: checked.org, problems, hash, yaml: orgYaml(read.raw, read.sources, path.basename(file)) };
  }
  const text = bytes.toString('utf8');
  const checked = checkOrgYaml(text, env, opts);
  if (!checked.org) return { ok: false, problems: checked.problems };
  return { ok: true, org: checked.org, problems: checked.problems, hash, yaml: text };
}
