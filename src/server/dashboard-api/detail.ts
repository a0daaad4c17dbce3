import { STATE_WORDS, type Evidence, type StoredEvidence } from '../../domain/issue';
import { ACTION_WORDS } from '../../domain/lifecycle';
import { maySeeIssue } from '../../domain/visibility';
import { evidenceState } from '../../rendering/evidence';
import type { LedgerStore } from '../../store/ledger-store';
import type { IssueResponse } from '../dashboard-contract';
import { nameOf, tableRow } from './rows';
import { ApiRefusal, type Viewer } from './view';

/**
 * GET /api/issues/:id: the issue as /查看 shows it (src/rendering/issue.ts issueCard), with its
 * whole history rather than the newest steps a chat reply has room for. Seen by whom /查看 shows
 * it to in a single chat: the issue's area, and the person it is assigned to.
 */
export async function issueResponse(v: Viewer, id: number, ledger: LedgerStore, evidenceLink?: (file: StoredEvidence, userid: string) => { url: string }): Promise<IssueResponse> {
  const issue = await ledger.get(id);
  if (!issue) throw new ApiRefusal(404, { error: 'not-found', message: `没有编号为 #${id} 的问题` });
  if (!maySeeIssue(v.org, v.membership.userid, issue)) throw new ApiRefusal(403, { error: 'outside-scope', message: `#${id} 不在你可以查看的范围内` });
  const history = await ledger.history(id);
  const out: IssueResponse = {
    row: tableRow(v.org, issue, v.now),
    reporter: nameOf(v.org, issue.reporter),
    rejectReasons: [...issue.rejectReasons],
    history: history.map((h) => {
      const step: IssueResponse['history'][number] = { at: h.at, actor: nameOf(v.org, h.actor), action: ACTION_WORDS[h.action as keyof typeof ACTION_WORDS] ?? h.action, to: STATE_WORDS[h.to] };
      if (h.from) step.from = STATE_WORDS[h.from];
      // The report's note is the description, shown above (as /查看 leaves it out).
      if (h.note && h.action !== 'report') step.note = h.note;
      return step;
    }),
    // Kept files open by a signed, expiring link made for the viewer (docs/design.md §6.6), a
    // path on this origin: the dashboard may be opened on another host than PUBLIC_URL.
    photos: issue.evidence.map((e) => photoOf(e, v.membership.userid, v.now, evidenceLink)),
  };
  if (issue.source) out.source = issue.source;
  if (issue.fixNote) out.fixNote = issue.fixNote;
  if (issue.fixedBy) out.fixedBy = nameOf(v.org, issue.fixedBy);
  if (issue.verifyNote) out.verifyNote = issue.verifyNote;
  if (issue.revisitNote) out.revisitNote = issue.revisitNote;
  if (issue.grade) out.grade = issue.grade;
  if (issue.rating) out.rating = issue.rating;
  return out;
}

function photoOf(e: Evidence, userid: string, now: number, link: ((file: StoredEvidence, userid: string) => { url: string }) | undefined): IssueResponse['photos'][number] {
  const state = evidenceState(e, now);
  if (state.status === 'stored') return { kind: e.kind, url: link?.(state.stored, userid).url ?? '', at: e.at, status: 'stored', type: state.stored.type };
  if (state.status === 'failed') return { kind: e.kind, url: '', at: e.at, status: 'failed', note: state.words };
  return { kind: e.kind, url: '', at: e.at, status: 'saving' };
}
