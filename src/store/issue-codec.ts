import { z } from 'zod';
import { ISSUE_STATES, type Issue } from '../domain/issue';

/**
 * Issues as Redis hash fields: scalars as text, lists as JSON. Reading goes through zod, so a
 * record written by another version fails loudly instead of turning into a wrong issue.
 */
const OPTIONAL = [
  'category', 'source', 'assignee', 'deadline', 'assignedAt', 'submittedAt', 'closedAt', 'revisitedAt', 'canceledAt',
  'fixNote', 'extensionRequest', 'verifyNote', 'revisitNote', 'cancelReason', 'closedOnTime',
] as const satisfies readonly (keyof Issue)[];

/** Fields left out while they hold their default (most issues are never rejected, relapse or carry photos). */
const DEFAULTS = { evidence: '[]', rejectReasons: '[]', rejectCount: '0', relapseCount: '0' } as const;

export function encodeIssue(issue: Issue): { set: [string, string][]; del: string[] } {
  const set: [string, string][] = [];
  const del: string[] = [];
  for (const [key, value] of Object.entries(issue) as [keyof Issue, unknown][]) {
    if (value === undefined) continue;
    const text = typeof value === 'object' ? JSON.stringify(value) : typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    if (key in DEFAULTS && DEFAULTS[key as keyof typeof DEFAULTS] === text) del.push(key);
    else set.push([key, text]);
  }
  for (const key of OPTIONAL) if (issue[key] === undefined) del.push(key);
  return { set, del };
}

const int = z.coerce.number().int();
const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const evidenceSchema = z.object({
  kind: z.enum(['image', 'file', 'video']),
  url: z.string(),
  aesKey: z.string().optional(),
  msgid: z.string(),
  at: z.number(),
});

const issueHashSchema = z.object({
  id: int,
  version: int,
  state: z.enum(ISSUE_STATES),
  unitId: z.string(),
  teamIds: json(z.array(z.string())),
  description: z.string(),
  category: z.string().optional(),
  source: z.string().optional(),
  reporter: z.string(),
  assignee: z.string().optional(),
  deadline: int.optional(),
  homeChat: z.string(),
  createdAt: int,
  assignedAt: int.optional(),
  submittedAt: int.optional(),
  closedAt: int.optional(),
  revisitedAt: int.optional(),
  canceledAt: int.optional(),
  fixNote: z.string().optional(),
  evidence: json(z.array(evidenceSchema)).default([]),
  rejectCount: int.default(0),
  rejectReasons: json(z.array(z.string())).default([]),
  relapseCount: int.default(0),
  deadlineChanges: json(z.array(z.object({ from: z.number().nullable(), to: z.number(), reason: z.string(), by: z.string(), at: z.number() }))),
  extensionRequest: json(z.object({ to: z.number(), reason: z.string(), by: z.string(), at: z.number() })).optional(),
  verifyNote: z.string().optional(),
  revisitNote: z.string().optional(),
  cancelReason: z.string().optional(),
  closedOnTime: z.enum(['0', '1']).transform((v) => v === '1').optional(),
});

export function decodeIssue(hash: Record<string, string>): Issue {
  const parsed = issueHashSchema.parse(hash);
  // zod gives optional keys as present-but-undefined; drop them so Issue stays exact.
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as unknown as Issue;
}
