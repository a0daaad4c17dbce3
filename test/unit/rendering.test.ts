import { commands } from '../../handlers';
import type { Issue } from '../../src/domain/issue';
import { emptyCounts, figuresFrom } from '../../src/domain/stats';
import { CommandRegistry } from '../../src/pipeline/registry';
import { splitCommand } from '../../src/pipeline/route';
import { formatShortDate } from '../../src/rendering/dates';
import { primaryRole, renderHelpAll, renderHelpIndex } from '../../src/rendering/help';
import { issueCard, issueLine } from '../../src/rendering/issue';
import { averageClose, renderStatus } from '../../src/rendering/status';
import type { AuditEntry } from '../../src/store/ledger-store';
import { demoOrg } from '../support/app';

const org = demoOrg();
const registry = new CommandRegistry(commands);
const NOW = Date.parse('2026-12-01T09:00:00+08:00');

function issue(over: Partial<Issue> = {}): Issue {
  return {
    id: 11,
    version: 1,
    state: 'assigned',
    unitId: org.units.find((u) => u.name === '斑竹村')!.id,
    teamIds: ['t1'],
    description: '标语破损',
    reporter: 'u_t1_m2',
    assignee: 'u_sec_banzhu',
    deadline: Date.parse('2027-05-01T23:59:00+08:00'),
    homeChat: 'CHAT_T1',
    createdAt: NOW - 86_400_000,
    evidence: [],
    rejectCount: 0,
    rejectReasons: [],
    relapseCount: 0,
    deadlineChanges: [],
    ...over,
  };
}

describe('/帮助 fits a phone: the five commands of the role, one example each', () => {
  const index = (userid: string) => renderHelpIndex(registry.all(), org.membership(userid));
  const commandsOf = (text: string) => text.split('\n').flatMap((l) => {
    const m = /：(\/.*)$/u.exec(l);
    return m && !l.startsWith('全部命令') ? [splitCommand(m[1]!)!.word] : [];
  });

  it.each<[string, string, string, string[]]>([
    ['a secretary', 'u_sec_banzhu', 'secretary', ['整改', '我的', '延期', '查看', '帮助']],
    ['a member', 'u_t1_m2', 'member', ['上报', '销号', '驳回', '清单', '我的']],
    ['a leader (also a member)', 'u_luo', 'leader', ['status', '清单', '催办', '销号', '我的']],
    ['组织部', 'u_admin', 'admin', ['status', '清单', '催办', '上报', '我的']],
    ['someone not in the org file', 'u_stranger', 'none', ['我是谁', '帮助']],
  ])('%s', (_who, userid, role, words) => {
    const who = org.membership(userid);
    expect(primaryRole(who)).toBe(role);
    const text = index(userid);
    expect(commandsOf(text)).toEqual(words);
    // Every example is a command this person may run, exactly as it would be sent.
    for (const w of words) {
      const c = registry.find(w)!;
      expect(c.roles === 'anyone' || c.roles.some((r) => who.roles.includes(r))).toBe(true);
    }
    expect(text).not.toContain('`');
    expect(text.split('\n').length).toBeLessThanOrEqual(10);
    expect(text).toContain('全部命令：/帮助 全部　某个命令：/帮助 命令名');
  });

  it('reads, for a secretary', () => {
    expect(index('u_sec_banzhu')).toBe(
      [
        '**督办助手 · 可用命令**',
        '反馈整改（可附照片）：/整改 #12 闸阀已更换',
        '等我办理的：/我的',
        '申请延期：/延期 #12 5月20日 配件需订购',
        '查看问题：/查看 #12',
        '命令用法：/帮助 整改',
        '不带 / 也可以，例如：12号已整改，闸阀已更换',
        '在群里先 @督办助手 再发命令。',
        '全部命令：/帮助 全部　某个命令：/帮助 命令名',
      ].join('\n'),
    );
  });

  it('/帮助 全部 lists every command the person may use, and names the others', () => {
    const all = renderHelpAll(registry.all(), org.membership('u_sec_banzhu'));
    expect(all.split('\n')[0]).toBe('**督办助手 · 全部命令**');
    for (const c of registry.all()) expect(all).toContain(c.aliases[0]!);
    expect(all).toContain('/整改（/fix）');
    expect(all).toMatch(/需相应身份：.*\/上报/u);
    const admin = renderHelpAll(registry.all(), org.membership('u_admin'));
    // 组织部 may use every command but /走访: visits are the teams' own work (their coverage).
    expect(admin.split('\n').filter((l) => l.startsWith('需相应身份'))).toEqual(['需相应身份：/走访']);
  });
});

describe('list lines', () => {
  it('have one pair of brackets and a compact date', () => {
    expect(formatShortDate(Date.parse('2027-05-01T23:59:00+08:00'), NOW)).toBe('2027年5月1日周六');
    expect(formatShortDate(Date.parse('2026-12-05T14:00:00+08:00'), NOW)).toBe('12月5日周六 14:00');
    expect(issueLine(org, issue(), NOW)).toBe('🟢 #11 福禄镇斑竹村：标语破损（2027年5月1日周六，还有151天 @陈晓燕）');
  });

  it('leave out the reader’s own name', () => {
    expect(issueLine(org, issue(), NOW, 'u_sec_banzhu')).toBe('🟢 #11 福禄镇斑竹村：标语破损（2027年5月1日周六，还有151天）');
    expect(issueLine(org, issue({ state: 'submitted' }), NOW, 'u_t1_m2')).toBe('#11 福禄镇斑竹村：标语破损（待核验 @陈晓燕）');
  });
});

describe('/查看', () => {
  const entry = (action: string, note: string | undefined, evidenceCount = 0): AuditEntry => ({
    issueId: 11, actor: 'u_t1_m2', at: NOW - 3_600_000, action, from: 'assigned', to: 'assigned', version: 2, evidenceCount, ...(note ? { note } : {}),
  });

  it('drops a note that only repeats the step, and counts photos as 照片 N 张', () => {
    const card = issueCard(org, issue({ evidence: [{ kind: 'image', msgid: 'm', index: 0, at: NOW }] }), [entry('remind', '催办'), entry('fix', '已更换', 2)], NOW);
    expect(card).toContain('- 12月1日 08:00 唐建平 催办\n');
    expect(card).not.toContain('催办：催办');
    expect(card).toContain('唐建平 反馈整改：已更换（照片 2 张）');
    expect(card).toContain('\n照片 1 张\n');
    expect(card).not.toMatch(/佐证|张图|附照片/u);
  });

  it('shows an extension request without brackets inside brackets', () => {
    const card = issueCard(org, issue({ extensionRequest: { to: Date.parse('2027-05-20T23:59:00+08:00'), reason: '配件需订购', by: 'u_sec_banzhu', at: NOW } }), [], NOW);
    expect(card).toContain('延期申请：至 2027年5月20日（周四），理由：配件需订购。待批准：`/延期 #11 同意`');
  });
});

describe('/status', () => {
  it('says a same-day close as 不到 1 天, not 0.0', () => {
    expect(averageClose(0)).toBe('平均不到 1 天销号');
    expect(averageClose(0.4)).toBe('平均不到 1 天销号');
    expect(averageClose(1)).toBe('平均 1.0 天销号');
    expect(averageClose(2.54)).toBe('平均 2.5 天销号');
  });

  it('is short lines, one per unit', () => {
    const counts = { ...emptyCounts(), found: 3, closed: 2, assigned: 1, ontime: 2, closeMs: 3_600_000 };
    const text = renderStatus(org, {
      title: '福禄镇 · 累计',
      figures: figuresFrom(counts, 1),
      rows: [{ label: '斑竹村', counts, overdue: 1 }, { label: '石堰村', counts: { ...counts, assigned: 0, closed: 3 }, overdue: 0 }],
      rowLabel: '单位',
      oldest: [issue({ deadline: NOW - 3 * 86_400_000 })],
      now: NOW,
      viewer: 'u_luo',
    });
    expect(text).toBe(
      [
        '**福禄镇 · 累计**',
        '发现 3　已销号 2　逾期 1',
        '整改中 1　待核验 0　待交办 0',
        '整改率 66.7%　按期整改率 66.7%',
        '平均不到 1 天销号',
        '',
        '**各单位**（发现 销号 🔴逾期 整改率）',
        '斑竹村 发现3 销号2 🔴1 66%',
        '石堰村 发现3 销号3 100%',
        '',
        '**逾期最久**',
        '🔴 #11 福禄镇斑竹村：标语破损（11月28日周六 09:00，已逾期3天 @陈晓燕）',
      ].join('\n'),
    );
  });
});
