import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import type { Issue } from '../../src/domain/issue';
import type { Org } from '../../src/domain/org';
import { diffOrg, findOrphanedIssues, isEmptyDiff, type OrphanReader } from '../../src/domain/org-diff';
import { renderOrgChanges, renderReloadRefused } from '../../src/rendering/org-diff';

interface RawOrg {
  people: { userid: string; name: string; aliases?: string[] }[];
  units: { id: string; name: string; town: string; kind: string; secretary?: string; contacts?: { userid: string; title: string }[] }[];
  teams: { id: string; name: string; leader: string; members: string[]; towns?: string[]; units?: string[] }[];
  chats: { chatid: string; team?: string; admin?: boolean }[];
  policy: Record<string, unknown>;
}

const demoText = readFileSync(demoOrgFile(), 'utf8');
const orgOf = (edit: (raw: RawOrg) => void = () => undefined): Org => {
  const raw = parseYaml(demoText) as RawOrg;
  edit(raw);
  return parseOrg(stringifyYaml(raw), {});
};

/** The demo with 石堰村 removed (its secretary too), 龙凤村 added in 福禄镇, 陈晓燕 renamed 陈小燕. */
const edited = (raw: RawOrg) => {
  raw.units = raw.units.filter((u) => u.id !== 'shiyan');
  raw.people = raw.people.filter((p) => p.userid !== 'u_sec_shiyan');
  raw.people.push({ userid: 'u_sec_longfeng', name: '龙凤书记' });
  raw.units.push({ id: 'longfeng', name: '龙凤村', town: '福禄镇', kind: '村', secretary: 'u_sec_longfeng' });
  raw.people.find((p) => p.userid === 'u_sec_banzhu')!.name = '陈小燕';
  raw.units.find((u) => u.id === 'xiguan')!.contacts = [{ userid: 'u_t2_m2', title: '驻村第一书记' }];
};

const issue = (id: number, unitId: string, assignee?: string, state: Issue['state'] = 'assigned'): Issue =>
  ({ id, version: 1, state, unitId, teamIds: [], description: '问题', reporter: 'u_luo', homeChat: 'CHAT_T1', createdAt: 0, evidence: [], rejectCount: 0, rejectReasons: [], relapseCount: 0, deadlineChanges: [], ...(assignee ? { assignee } : {}) }) as Issue;

/** The ledger's two indexes over a fixed list of issues (the store itself is tested on Redis in org-reload.test.ts). */
function reader(issues: Issue[]): OrphanReader & { asked: string[] } {
  const asked: string[] = [];
  const page = (xs: Issue[], offset: number, limit: number) => ({ total: xs.length, issues: xs.slice(offset, offset + limit) });
  return {
    asked,
    async list(unitIds, states, offset, limit) {
      asked.push(`units:${unitIds.join(',')}`);
      return page(issues.filter((i) => unitIds.includes(i.unitId) && states.includes(i.state)), offset, limit);
    },
    async assignedTo(userid, offset, limit) {
      asked.push(`assignee:${userid}`);
      return page(issues.filter((i) => i.assignee === userid && i.state === 'assigned'), offset, limit);
    },
  };
}

describe('diffOrg', () => {
  const before = orgOf();

  it('finds nothing between an org and itself', () => {
    expect(isEmptyDiff(diffOrg(before, orgOf()))).toBe(true);
  });

  it('names people, units and teams added, removed and renamed, and what changed in kept ones', () => {
    const d = diffOrg(before, orgOf(edited));
    expect(d.units.added).toEqual([{ id: 'longfeng', name: '龙凤村' }]);
    expect(d.units.removed).toEqual([{ id: 'shiyan', name: '石堰村' }]);
    expect(d.people.added).toEqual([{ id: 'u_sec_longfeng', name: '龙凤书记' }]);
    expect(d.people.removed).toEqual([{ id: 'u_sec_shiyan', name: '李大勇' }]);
    expect(d.people.renamed).toEqual([{ id: 'u_sec_banzhu', from: '陈晓燕', to: '陈小燕' }]);
    expect(d.unitsChanged).toEqual([{ id: 'xiguan', name: '喜观村', fields: ['contacts'] }]);
    // 第一工作队 covers 福禄镇: a unit added there, one removed, widen and narrow its area.
    expect(d.teamsChanged.map((t) => [t.id, t.fields])).toEqual([['t1', ['area']]]);
    expect(d.teams.added).toEqual([]);
    expect(d.policyChanged).toBe(false);
    expect(isEmptyDiff(d)).toBe(false);
  });

  it('tells a leader, members, a secretary, a chat and a cron apart', () => {
    const d = diffOrg(
      before,
      orgOf((raw) => {
        const t2 = raw.teams.find((t) => t.id === 't2')!;
        t2.leader = 'u_t2_m2';
        t2.members = t2.members.filter((m) => m !== 'u_t2_m4');
        raw.units.find((u) => u.id === 'banzhu')!.secretary = 'u_sec_longjing';
        raw.chats.push({ chatid: 'CHAT_NEW', team: 't3' });
        raw.chats = raw.chats.filter((c) => c.chatid !== 'CHAT_T8');
        raw.policy.digestCron = '0 8 * * *';
      }),
    );
    expect(d.teamsChanged).toEqual([{ id: 't2', name: expect.any(String), fields: ['leader', 'members'] }]);
    expect(d.unitsChanged).toEqual([{ id: 'banzhu', name: '斑竹村', fields: ['secretary'] }]);
    expect(d.chats).toEqual({ added: ['CHAT_NEW'], removed: ['CHAT_T8'], rescoped: [] });
    expect(d.policyChanged).toBe(true);
    expect(d.cronChanged).toBe(true);
  });
});

describe('findOrphanedIssues', () => {
  const before = orgOf();
  const after = orgOf(edited);
  const diff = diffOrg(before, after);

  it('lists open issues of a removed unit or a removed assignee, from the indexes only', async () => {
    const ledger = reader([
      issue(12, 'shiyan', 'u_sec_shiyan'),
      issue(13, 'shiyan', undefined, 'reported'),
      issue(14, 'shiyan', 'u_sec_shiyan', 'closed'),
      issue(15, 'banzhu', 'u_sec_banzhu'),
      // 李大勇 assigned an issue of a unit that stays: it needs a new assignee too.
      issue(16, 'longjing', 'u_sec_shiyan'),
    ]);
    const found = await findOrphanedIssues(ledger, before, after, diff);
    expect(ledger.asked.sort()).toEqual(['assignee:u_sec_shiyan', 'units:shiyan']);
    expect(found.complete).toBe(true);
    expect(found.total).toBe(3);
    expect(found.issues).toEqual([
      { id: 12, unitId: 'shiyan', unitName: '石堰村', unitGone: true, assignee: 'u_sec_shiyan', assigneeName: '李大勇', assigneeGone: true },
      { id: 13, unitId: 'shiyan', unitName: '石堰村', unitGone: true, assigneeGone: false },
      { id: 16, unitId: 'longjing', unitName: '龙井村', unitGone: false, assignee: 'u_sec_shiyan', assigneeName: '李大勇', assigneeGone: true },
    ]);
  });

  it('reads nothing when nothing was removed', async () => {
    const ledger = reader([issue(1, 'banzhu', 'u_sec_banzhu')]);
    const found = await findOrphanedIssues(ledger, before, orgOf(), diffOrg(before, orgOf()));
    expect(ledger.asked).toEqual([]);
    expect(found).toEqual({ total: 0, complete: true, issues: [] });
  });
});

describe('renderOrgChanges', () => {
  const before = orgOf();
  const after = orgOf(edited);

  it('says the counts first, then the names, then each issue needing a new assignee', async () => {
    const diff = diffOrg(before, after);
    const orphans = await findOrphanedIssues(reader([issue(12, 'shiyan', 'u_sec_shiyan'), issue(16, 'longjing', 'u_sec_shiyan')]), before, after, diff);
    const text = renderOrgChanges(diff, orphans, { version: 3, hash: 'abcdef0123456789' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('✅ 组织架构已重新加载并发布，所有实例和后台任务随即切换（第 3 版，abcdef01）');
    expect(lines[1]).toBe('人员：新增 1、移除 1、改名 1');
    expect(lines[2]).toBe('单位：新增 1、移除 1、书记等变动 1');
    expect(lines[3]).toBe('工作队：成员或范围变动 1');
    expect(text).toContain('➕ 新增单位：龙凤村');
    expect(text).toContain('➖ 移除单位：石堰村');
    expect(text).toContain('✏️ 人员改名：陈晓燕 → 陈小燕');
    expect(text).toContain('🔁 喜观村：联系人有变动');
    expect(text.indexOf('➕ 新增单位')).toBeGreaterThan(text.indexOf('工作队：'));
    expect(text).toContain('⚠️ 需要重新交办的问题（2 个；问题仍在台账中）：');
    expect(text).toContain('#12 石堰村（单位已不在组织架构中） 原责任人 李大勇（已不在组织架构中），请 /交办 #12 @新责任人');
    expect(text).toContain('#16 龙井村 原责任人 李大勇（已不在组织架构中），请 /交办 #16 @新责任人');
  });

  it('says so when nothing changed', () => {
    const text = renderOrgChanges(diffOrg(before, orgOf()), { total: 0, complete: true, issues: [] }, { version: 2, hash: 'ffff0000' });
    expect(text).toBe('✅ 组织架构已重新加载并发布，所有实例和后台任务随即切换（第 2 版，ffff0000）\n人员、单位、工作队和群聊都没有变化。');
  });

  it('makes names inert and keeps a huge change within one message', () => {
    const big = orgOf((raw) => {
      for (let i = 0; i < 400; i++) raw.people.push({ userid: `u_new_${i}`, name: `新人员${i}号很长的名字` });
      for (let i = 0; i < 300; i++) raw.units.push({ id: `nu${i}`, name: `新单位${i}`, town: `新镇${i}`, kind: '村' });
    });
    const diff = diffOrg(before, big);
    // The org file refuses markup in names; a unit known only by a stored id is shown as it is, inert too.
    const orphans = { total: 60, complete: false, issues: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, unitId: 'x', unitName: '<@u_admin>**粗体**村', unitGone: true, assigneeGone: false })) };
    const text = renderOrgChanges(diff, orphans, { version: 9, hash: '0123456789abcdef' });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(text).toContain('人员：新增 400');
    expect(text).toContain('单位：新增 300');
    expect(text).toContain('等 400 个');
    expect(text).not.toMatch(/<@|\*\*/u);
    expect(text).toContain('#1 ＜@u_admin＞＊＊粗体＊＊村（单位已不在组织架构中） 尚未交办');
    expect(text).toContain('⚠️ 需要重新交办的问题（至少 50 个');
    expect(text).toContain('其余也请重新交办：#21、#22');
    // A tighter budget drops the name lines first, then issue lines, and says how many.
    const tight = renderOrgChanges(diff, orphans, { version: 9, hash: '0123456789abcdef', maxBytes: 1500 });
    expect(Buffer.byteLength(tight)).toBeLessThanOrEqual(1500);
    expect(tight).not.toContain('➕ 新增人员');
    expect(tight).toContain('#1 ＜@u_admin＞');
    expect(tight).toMatch(/……另有 \d+ 行从略$/u);
  });
});

describe('renderReloadRefused', () => {
  it('shows the first ten problems with where they are, and how to see the rest', () => {
    const problems = Array.from({ length: 13 }, (_, i) => ({ severity: 'error' as const, where: `人员!B${i + 2}`, message: `账号“zhang${i} ”含空格` }));
    problems.push({ severity: 'warning' as const, where: '单位!A3', message: '没有工作队包联' } as never);
    const text = renderReloadRefused('/srv/org.xlsx', problems);
    const lines = text.split('\n');
    expect(lines[0]).toBe('❌ 组织架构文件有 13 个问题，没有加载；原来的组织架构继续有效。');
    expect(lines[1]).toBe('- 人员!B2：账号“zhang0 ”含空格');
    expect(lines).toHaveLength(12);
    expect(lines[11]).toBe('另有 3 个问题，请运行 npm run org -- check /srv/org.xlsx');
  });
});
