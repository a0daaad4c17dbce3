import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { parseDuration } from '../../src/config/durations';
import { ConfigError } from '../../src/config/env';
import { loadOrgFile, parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { peopleIndex, sharedNameQuestion } from '../../src/parsing/people';

/** The ConfigError parseOrg throws; fails the test when it accepts the text. */
function orgError(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseOrg(text, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('parseOrg accepted the file');
}

describe('the shipped demo organisation', () => {
  const org = parseOrg(readFileSync(demoOrgFile(), 'utf8'), {});

  it('lives in src/config/demo-org.yaml', () => {
    expect(demoOrgFile().endsWith(path.join('src', 'config', 'demo-org.yaml'))).toBe(true);
  });

  it('has eight teams of four, 第一 to 第八工作队', () => {
    expect(org.district).toBe('示例区');
    expect(org.teams.map((t) => t.id)).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']);
    expect(org.teams.map((t) => t.members.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    expect(org.team('t1')?.name).toBe('第一工作队');
    expect(org.team('t8')?.name).toBe('第八工作队');
  });

  it('has one chat per team, CHAT_T1..CHAT_T8, and the admin chat', () => {
    expect(org.chats.map((c) => c.chatid)).toEqual([
      'CHAT_T1', 'CHAT_T2', 'CHAT_T3', 'CHAT_T4', 'CHAT_T5', 'CHAT_T6', 'CHAT_T7', 'CHAT_T8', 'CHAT_ADMIN',
    ]);
    expect(org.chat('CHAT_T3')?.scope).toEqual({ kind: 'team', teamId: 't3' });
    expect(org.chat('CHAT_ADMIN')?.scope).toEqual({ kind: 'admin' });
    expect(org.chats.every((c) => c.webhookKey === undefined)).toBe(true);
  });

  it('puts 斑竹村 in 福禄镇, covered by team t1 only', () => {
    const banzhu = org.units.find((u) => u.name === '斑竹村');
    expect(banzhu).toMatchObject({ id: 'banzhu', town: '福禄镇', kind: '村', secretary: 'u_sec_banzhu' });
    expect(org.teamsCovering('banzhu').map((t) => t.id)).toEqual(['t1']);
    expect(org.unitsInScope({ kind: 'team', teamId: 't1' }).map((u) => u.name)).toContain('斑竹村');
  });

  it('lets a unit belong to every team whose scope covers it (区教育局: its town and its kind)', () => {
    expect(org.teamsCovering('jiaoyu_ju').map((t) => t.id)).toEqual(['t4', 't8']);
  });

  it('reads the policy durations', () => {
    expect(org.policy.deadline).toEqual({ text: '7d', ms: 7 * 86_400_000 });
    expect(org.policy.remindBefore.map((d) => d.text)).toEqual(['3d', '1d', '0d']);
    // The demo digests every two minutes and has no quiet hours, so it can be watched any time.
    expect(org.policy.digestCron).toBe('*/2 * * * *');
    expect(org.policy.quietHours).toBeUndefined();
  });

  describe('membership()', () => {
    it('a team leader is leader and member of the team', () => {
      const m = org.membership('u_luo');
      expect(m.person?.name).toBe('罗志刚');
      expect(m.roles).toEqual(['leader', 'member']);
      expect(m.leaderOf.map((t) => t.id)).toEqual(['t1']);
      expect(m.memberOf.map((t) => t.id)).toEqual(['t1']);
      expect(m.secretaryOf).toEqual([]);
    });

    it('a plain member is only a member', () => {
      const m = org.membership('u_t1_m2');
      expect(m.roles).toEqual(['member']);
      expect(m.memberOf.map((t) => t.id)).toEqual(['t1']);
      expect(m.leaderOf).toEqual([]);
    });

    it("a village secretary is secretary of their unit and of no team", () => {
      const m = org.membership('u_sec_banzhu');
      expect(m.roles).toEqual(['secretary']);
      expect(m.secretaryOf.map((u) => u.name)).toEqual(['斑竹村']);
      expect(m.memberOf).toEqual([]);
    });

    it('an admin of 组织部 is admin', () => {
      const m = org.membership('u_admin');
      expect(m.roles).toEqual(['admin']);
      expect(org.isAdmin('u_admin')).toBe(true);
      expect(org.adminIds()).toEqual(['u_admin', 'u_admin2']);
    });

    it('u_t7_m4 holds two roles: member of t7 and secretary of 区教育局', () => {
      const m = org.membership('u_t7_m4');
      expect(m.person?.name).toBe('杜建明');
      expect(m.roles).toEqual(['member', 'secretary']);
      expect(m.memberOf.map((t) => t.id)).toEqual(['t7']);
      expect(m.secretaryOf.map((u) => u.name)).toEqual(['区教育局']);
    });

    it('a stranger has no roles and no person', () => {
      const m = org.membership('u_stranger');
      expect(m).toEqual({ userid: 'u_stranger', person: undefined, roles: [], leaderOf: [], memberOf: [], secretaryOf: [], contactOf: [] });
    });
  });
});

/** A small valid organisation; tests change one thing in it at a time. */
const SMALL_ORG = `
district: 测试区
admins: [u_a]
people:
  - { userid: u_a, name: 管理员 }
  - { userid: u_l, name: 队长甲, aliases: [甲队长] }
  - { userid: u_m, name: 队员乙 }
  - { userid: u_s, name: 书记丙 }
units:
  - { id: un1, name: 一村, town: 甲镇, kind: 村, secretary: u_s }
teams:
  - { id: t1, name: 一队, leader: u_l, members: [u_m], towns: [甲镇] }
chats:
  - { chatid: C1, team: t1 }
  - { chatid: CA, admin: true }
`;

interface RawOrg {
  admins: string[];
  people: { userid: string; name: string; aliases?: string[] }[];
  units: { id: string; name: string; town: string; kind: string; secretary?: string }[];
  teams: { id: string; name: string; leader: string; members: string[]; towns?: string[] }[];
  chats: { chatid: string; team?: string; town?: string; unit?: string; admin?: boolean; webhookKey?: string }[];
  policy?: Record<string, unknown>;
  [key: string]: unknown;
}

/** SMALL_ORG with one change applied, as YAML text again. */
function smallOrg(change: (org: RawOrg) => void = () => {}): string {
  const org = parseYaml(SMALL_ORG) as RawOrg;
  change(org);
  return toYaml(org);
}

describe('parseOrg on a small organisation', () => {
  it('loads, adds the leader to the members and fills the policy defaults', () => {
    const org = parseOrg(SMALL_ORG, {});
    expect(org.team('t1')?.members).toEqual(['u_l', 'u_m']);
    expect(org.team('t1')?.coveredUnitIds).toEqual(['un1']);
    expect(org.policy.deadline.text).toBe('7d');
    expect(org.policy.remindAt).toBe('09:00');
    expect(org.policy.quietHours).toBe('21:00-08:00');
    expect(org.policy.escalate).toEqual([
      { after: { text: '3d', ms: 3 * 86_400_000 }, to: 'leader' },
      { after: { text: '7d', ms: 7 * 86_400_000 }, to: 'admins' },
    ]);
  });

  it('loads a roster where two people share a name, and asks which one when that name is typed', () => {
    const org = parseOrg(smallOrg((o) => o.people.push({ userid: 'u_n', name: '隊員乙', aliases: ['甲队长'] })));
    const people = peopleIndex(org);
    expect(people.find('队员乙')).toBeUndefined();
    expect(people.shared('队员乙').map((p) => p.userid)).toEqual(['u_m', 'u_n']);
    expect(people.shared('甲队长').map((p) => p.userid)).toEqual(['u_l', 'u_n']);
    expect(people.find('u_n')?.name).toBe('隊員乙');
    expect(sharedNameQuestion('队员乙', people.shared('队员乙'))).toBe('“队员乙”是 2 个人的名字（u_m、u_n），请写别名或企业微信账号，例如 @u_m');
  });

  describe('refuses a broken reference, naming the path', () => {
    it.each<[string, (org: RawOrg) => void, string]>([
      ['unknown leader', (o) => (o.teams[0]!.leader = 'u_x'), 'teams[0].leader: unknown userid u_x'],
      ['unknown member', (o) => (o.teams[0]!.members = ['u_m', 'u_y']), 'teams[0].members[1]: unknown userid u_y'],
      ['unknown unit secretary', (o) => (o.units[0]!.secretary = 'u_z'), 'units[0].secretary: unknown userid u_z'],
      ['unknown admin', (o) => (o.admins = ['u_q']), 'admins[0]: unknown userid u_q'],
      [
        'duplicate userid',
        (o) => o.people.push({ userid: 'u_m', name: '另一人' }),
        'people[4].userid: duplicate userid u_m',
      ],
      ['a team town no unit lies in', (o) => (o.teams[0]!.towns = ['乙镇']), 'teams[0].towns[0]: no unit lies in town 乙镇'],
      ['a chat of an unknown team', (o) => (o.chats[0]!.team = 't9'), 'chats[0].team: unknown team id t9'],
      [
        'a chat with two scopes',
        (o) => (o.chats[0]!.town = '甲镇'),
        'chats[0]: a chat needs exactly one scope: team, town, unit or admin: true',
      ],
      [
        'a chat with no scope',
        (o) => delete o.chats[1]!.admin,
        'chats[1]: a chat needs exactly one scope: team, town, unit or admin: true',
      ],
    ])('%s', (_case, change, expected) => {
      expect(orgError(smallOrg(change)).message).toBe(`ORG_FILE: ${expected}`);
    });
  });

  describe('webhookKey: env:NAME', () => {
    const withKey = smallOrg((o) => (o.chats[0]!.webhookKey = 'env:WECOM_WEBHOOK_T1'));

    it('refuses an unset variable, naming chats[i].webhookKey and the variable', () => {
      expect(orgError(withKey, {}).message).toBe(
        'ORG_FILE: chats[0].webhookKey: environment variable WECOM_WEBHOOK_T1 is not set',
      );
    });

    it('treats an empty variable as unset', () => {
      expect(orgError(withKey, { WECOM_WEBHOOK_T1: '' }).message).toContain('WECOM_WEBHOOK_T1 is not set');
    });

    it('resolves the variable from the env given to parseOrg', () => {
      const org = parseOrg(withKey, { WECOM_WEBHOOK_T1: 'key-from-env-0001' });
      expect(org.chat('C1')?.webhookKey).toBe('key-from-env-0001');
      expect(org.chat('CA')?.webhookKey).toBeUndefined();
    });

    it('refuses a mistyped env: reference instead of using it as a key', () => {
      const typo = smallOrg((o) => (o.chats[0]!.webhookKey = 'env:WECOM-WEBHOOK-T1'));
      expect(orgError(typo, { 'WECOM-WEBHOOK-T1': 'x' }).message).toBe(
        'ORG_FILE: chats[0].webhookKey: expected env:NAME with a variable name of letters, digits and _',
      );
    });

    it('takes a value without env: as the key itself', () => {
      const org = parseOrg(smallOrg((o) => (o.chats[1]!.webhookKey = 'literal-key-42')), {});
      expect(org.chat('CA')?.webhookKey).toBe('literal-key-42');
    });
  });

  it('refuses text that is not YAML, saying so', () => {
    const err = orgError('district: [示例区\npeople: {');
    expect(err.message).toMatch(/^ORG_FILE: not valid YAML/);
  });

  it('names the source it was given', () => {
    expect(() => parseOrg('district: [', {}, 'ORG_FILE /etc/duban/org.yaml')).toThrow(
      /^ORG_FILE \/etc\/duban\/org\.yaml: not valid YAML/,
    );
  });

  it('refuses a bad policy duration at policy.deadline', () => {
    const err = orgError(smallOrg((o) => (o.policy = { deadline: '7days' })));
    expect(err.message).toBe('ORG_FILE: policy.deadline: expected a duration like 30s, 10m, 2h, 3d or 2w');
  });

  it.each<[string, (o: RawOrg) => void, string]>([
    ['a checklist name with a link', (o) => (o.checklist = [{ code: 'A1', name: '环境[整治](http://x.cn)' }]), 'checklist[0].name'],
    ['a checklist alias with a mention', (o) => (o.checklist = [{ code: 'A1', name: '环境整治', aliases: ['<@all>'] }]), 'checklist[0].aliases[0]'],
    ['a grade word with a mention', (o) => (o.policy = { grades: [{ word: '好' }, { word: '差<@all>' }] }), 'policy.grades[1].word'],
    ['a rating alias with emphasis', (o) => (o.policy = { ratings: [{ word: '满意', aliases: ['**满意**'] }, { word: '不满意' }] }), 'policy.ratings[0].aliases[0]'],
    ['a team name with code marks', (o) => (o.teams[0]!.name = '一队`x`'), 'teams[0].name'],
  ])('refuses markup in names shown in replies: %s', (_what, change, at) => {
    expect(orgError(smallOrg(change)).message).toBe(`ORG_FILE: ${at}: must not contain any of < > [ ] * ~ \` | & (WeCom reads them as markup)`);
  });

  it('refuses a bad cron at policy.digestCron', () => {
    const err = orgError(smallOrg((o) => (o.policy = { digestCron: 'nope' })));
    expect(err.message).toBe('ORG_FILE: policy.digestCron: expected a cron expression like "0 9 * * 1"');
  });

  it('refuses an unknown top-level key', () => {
    const err = orgError(`${SMALL_ORG}\nteamz: []\n`);
    expect(err.message).toMatch(/^ORG_FILE: \(top level\): .*"teamz"/);
  });

  it('refuses an empty file', () => {
    expect(orgError('').message).toMatch(/^ORG_FILE: \(top level\): /);
  });

  it('refuses a timezone other than Asia/Shanghai', () => {
    expect(orgError(smallOrg((o) => (o.timezone = 'UTC'))).message).toBe('ORG_FILE: timezone: only Asia/Shanghai is supported');
  });
});

describe('loadOrgFile', () => {
  it('loads the demo organisation from disk', async () => {
    const org = await loadOrgFile(demoOrgFile(), {});
    expect(org.teams).toHaveLength(8);
  });

  it('names a file it cannot read', async () => {
    const missing = path.join(__dirname, 'no-such-org.yaml');
    await expect(loadOrgFile(missing, {})).rejects.toThrow(`ORG_FILE: cannot read ${missing} (ENOENT)`);
  });
});

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['3d', 3 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['0d', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['3 days', '-1d', '1.5d', '3D', '7days', 'd', ''])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
