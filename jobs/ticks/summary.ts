import { createHash } from 'node:crypto';
import type { Logger } from '../../src/log/logger';
import { isWorkingDay } from '../../src/domain/revisit';
import { periodSummary } from '../../src/domain/summary';
import { DAY_MS, startOfDay } from '../../src/domain/time';
import { officialCalendar, type WorkCalendar } from '../../src/parsing/deadline';
import { endedQuarter, endedYear, periodKey, periodRange, type Period } from '../../src/parsing/period';
import { summaryText, type ExtraSection } from '../../src/rendering/summary';
import type { Keys } from '../../src/store/keys';
import type { RedisClient } from '../../src/store/redis';
import type { FileKind } from '../files/file-request';
import type { FileRequests } from '../files/requests';
import { jobIdPart } from '../push';
import type { TickDeps } from './digest';

/**
 * The 季度小结 and 年度汇总 (docs/design.md §5.5): on the first working day after a quarter
 * (a year) ends, the admin chats get the period's figures per team with the change against the
 * previous period, the units with the most overdue issues and the relapses, and two files: the
 * period's 台账 and the summary as a .docx 公文.
 *
 * Cron cannot say "first working day", so the tick runs daily in the first days of the month
 * (policy quarterlyCron / annualCron) and acts on the first working day on China's official
 * calendar (调休 included); if that run was missed, on a later working day within a week. A lock
 * per period, kept past the year, makes sure two instances or two days never send it twice.
 */
export type SummaryKind = 'quarter' | 'year';

export interface SummaryTickDeps extends TickDeps {
  redis: RedisClient;
  keys: Keys;
  /** Asks for the 台账 and the .docx (the files worker makes them and posts them to the chat). */
  files: FileRequests;
  logger: Logger;
  /** Default: the official calendar (chinese-days). */
  calendar?: WorkCalendar;
  /** Sections other modules add (scores, 典型经验), as plain lines. */
  extraSections?: (period: Period, now: number) => Promise<ExtraSection[]>;
}

export type SummaryTickResult =
  | { sent: true; period: string; messages: number; files: number }
  | { sent: false; period: string; reason: 'not-working-day' | 'not-due' | 'already-sent' | 'no-admin-chat' };

/** A summary missed on its day (every instance down) still goes out on a working day within this. */
export const CATCH_UP_DAYS = 7;
/** "running" while a tick works (a crashed one frees it), "done" for longer than a year. */
const RUNNING_SECONDS = 600;
const DONE_SECONDS = 400 * 86_400;

/** The start (Shanghai midnight) of the first working day on or after the period's end. */
export function summaryDueDay(period: Period, calendar: WorkCalendar = officialCalendar): number {
  const range = periodRange(period);
  if (!range) throw new Error('a summary needs a period with months');
  let day = range.end;
  // A holiday run never lasts a month; the bound only guards a calendar that says no forever.
  for (let i = 0; i < 31 && !isWorkingDay(day, calendar); i++) day += DAY_MS;
  return day;
}

export function summaryTitle(district: string, kind: SummaryKind, period: Period): string {
  return `${district}${period.label}整改工作${kind === 'year' ? '年度汇总' : '小结'}`;
}

/** A file id per period, chat and kind: asking again (a retried tick) asks for the same file. */
function fileId(kind: SummaryKind, period: Period, chatId: string, file: FileKind): string {
  return `${kind}-${periodKey(period)}-${createHash('sha1').update(chatId).digest('hex').slice(0, 12)}-${file}`;
}

export async function runSummary(kind: SummaryKind, tick: string, deps: SummaryTickDeps): Promise<SummaryTickResult> {
  const org = deps.org();
  const now = deps.clock.now().getTime();
  const period = kind === 'year' ? endedYear(now) : endedQuarter(now);
  const name = periodKey(period);
  const calendar = deps.calendar ?? officialCalendar;
  if (!isWorkingDay(now, calendar)) return { sent: false, period: name, reason: 'not-working-day' };
  const due = summaryDueDay(period, calendar);
  const today = startOfDay(now);
  if (today < due || today >= due + CATCH_UP_DAYS * DAY_MS) return { sent: false, period: name, reason: 'not-due' };
  const admins = org.chats.filter((c) => c.scope.kind === 'admin');
  if (!admins.length) return { sent: false, period: name, reason: 'no-admin-chat' };

  const lock = deps.keys.tickLock(`${kind}-summary`, name);
  if ((await deps.redis.set(lock, `running ${tick}`, 'EX', RUNNING_SECONDS, 'NX')) !== 'OK') return { sent: false, period: name, reason: 'already-sent' };
  try {
    const scope = { label: '全区', unitIds: org.units.map((u) => u.id) };
    const [summary, extraSections] = await Promise.all([periodSummary(deps.ledger, org, scope, period, now), deps.extraSections?.(period, now) ?? Promise.resolve([])]);
    const requester = org.adminIds()[0] ?? 'duban';
    let files = 0;
    for (const chat of admins) {
      const links: { label: string; url: string }[] = [];
      for (const [file, label] of [
        ['ledger', `${period.label}台账`],
        ['summary', `${period.label}${kind === 'year' ? '年度汇总' : '小结'}（公文）`],
      ] as const) {
        try {
          const got = await deps.files.request({
            id: fileId(kind, period, chat.chatid, file),
            kind: file,
            requester,
            chatId: chat.chatid,
            scope: { label: scope.label, unitIds: [...scope.unitIds] },
            period: { label: period.label, months: [...period.months!] },
            createdAt: now,
            extra: { summary: kind },
          });
          links.push({ label, url: got.url });
          files++;
        } catch (err) {
          // The figures still go out; the files can be asked for with /导出 and /通报.
          deps.logger.warn({ err, tick, period: name, file }, 'summary file request failed');
        }
      }
      const content = summaryText(org, summary, {
        title: summaryTitle(org.district, kind, period),
        extraSections,
        links,
        ...(links.length ? { footer: '文件生成后会发到本群。' } : {}),
      });
      await deps.outbox.enqueue({ id: `${kind}-summary-${jobIdPart(chat.chatid)}-${name}`, chatId: chat.chatid, kind: 'summary', format: 'markdown', content, mentions: [], createdAt: now });
    }
    await deps.redis.set(lock, `done ${tick}`, 'EX', DONE_SECONDS);
    return { sent: true, period: name, messages: admins.length, files };
  } catch (err) {
    // Let a later day try again: the pushes and files have deterministic ids, so nothing goes twice.
    await deps.redis.del(lock);
    throw err;
  }
}
