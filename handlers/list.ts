import type { IssueState } from '../src/domain/issue';
import { joinPageWords } from '../src/parsing/page-words';
import { userText } from '../src/rendering/safe-text';
import { normalizeText } from '../src/parsing/normalize';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { UsageError } from '../src/pipeline/errors';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { defaultScope, namedScope, type Scope } from '../src/pipeline/scope';
import { clipForReply } from '../src/rendering/clip';
import { renderPage } from '../src/rendering/list';
import { listMine } from './mine';

const EXAMPLE = '/清单 逾期';
const PAGE_SIZE = 10;

const FILTERS: Record<string, { label: string; states?: IssueState[]; overdue?: true }> = {
  逾期: { label: '逾期', overdue: true },
  待核验: { label: '待核验', states: ['submitted'] },
  整改中: { label: '整改中', states: ['assigned'] },
  待交办: { label: '待交办', states: ['reported'] },
  已销号: { label: '已销号', states: ['closed', 'revisited'] },
  已撤销: { label: '已撤销', states: ['canceled'] },
  全部: { label: '全部', states: ['reported', 'assigned', 'submitted', 'closed', 'revisited', 'canceled'] },
};
const OPEN = { label: '未办结', states: ['reported', 'assigned', 'submitted'] as IssueState[] };
/** English filter words, for people who type them (`/list overdue`). */
const ENGLISH: Record<string, string> = {
  overdue: '逾期', late: '逾期',
  submitted: '待核验', pending: '待核验', verify: '待核验', review: '待核验',
  assigned: '整改中', fixing: '整改中', 'in-progress': '整改中',
  reported: '待交办', unassigned: '待交办', new: '待交办',
  closed: '已销号', done: '已销号',
  canceled: '已撤销', cancelled: '已撤销',
  all: '全部',
  mine: '我的', my: '我的',
  open: '未办结',
};

export default defineCommand({
  name: 'list',
  effects: 'reads',
  aliases: ['清单', '台账', '列表', 'ls', 'ledger'],
  roles: ['admin', 'leader', 'member', 'secretary'],
  summary: '问题清单：逾期、待核验、整改中、待交办、我的，或某个单位、镇街',
  usage: '/清单 [逾期|待核验|整改中|待交办|已销号|全部|我的] [单位或镇街] [第N页]（英文：overdue submitted assigned reported closed all mine）',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    let filter = OPEN;
    let scope: Scope | undefined;
    let page = 1;
    const words = joinPageWords(args.words);
    // The next page's command repeats what was asked (scope included), only the page changes.
    const asked: string[] = [];
    for (const w of words) {
      const typed = normalizeText(w.norm);
      const word = Object.hasOwn(ENGLISH, typed.toLowerCase()) ? ENGLISH[typed.toLowerCase()]! : typed;
      const p = /^(?:第|page|p)?(\d{1,4})页?$/iu.exec(word);
      if (p) {
        page = Math.max(1, Number(p[1]));
        continue;
      }
      asked.push(userText(w.raw));
      if (word === '我的') return listMine(ctx);
      if (word === OPEN.label) {
        filter = OPEN;
        continue;
      }
      // Own keys only: "constructor", "toString" or "__proto__" must not find Object.prototype's members.
      const f = Object.hasOwn(FILTERS, word) ? FILTERS[word] : undefined;
      if (f) {
        filter = f as typeof OPEN;
        continue;
      }
      const named = namedScope(ctx, w.raw);
      if (!named) throw new UsageError(`看不懂“${clipForReply(w.raw)}”：可以写 逾期、待核验、整改中、待交办、我的，或单位、镇街名称`, EXAMPLE);
      scope = named;
    }
    scope ??= defaultScope(ctx);
    assertChatShows(ctx, scope.units.map((u) => u.id), scope.label);
    const unitIds = scope.units.map((u) => u.id);
    const now = ctx.clock.now().getTime();
    const offset = (page - 1) * PAGE_SIZE;
    const next = ['/清单', ...asked, `第${page + 1}页`].join(' ');
    // The page and its issues in one round trip (src/store/ledger-pages.ts).
    if ('overdue' in filter) {
      const od = await ctx.ledger.pages.overdue(unitIds, now, offset, PAGE_SIZE);
      return renderPage(ctx.org, `${scope.label} · 逾期（最久的在前）`, od.issues, od.total, page, PAGE_SIZE, now, next, ctx.sender.userid);
    }
    const { total, issues } = await ctx.ledger.pages.list(unitIds, filter.states, offset, PAGE_SIZE);
    return renderPage(ctx.org, `${scope.label} · ${filter.label}`, issues, total, page, PAGE_SIZE, now, next, ctx.sender.userid);
  },
});
