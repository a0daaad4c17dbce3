import { stringify as stringifyYaml } from 'yaml';
import { parseOrg } from '../../src/config/org-file';
import type { Org } from '../../src/domain/org';

/**
 * A generated district for tests and benches of work that spans many units (/布置 to 500
 * units): towns of villages, communities and schools, one team of four per town, one group per
 * team with its own group-robot key (`KEY_<chatid>`), and an admin group. Every `noSecretaryEvery`-th
 * unit has no secretary (its share of a task waits in 待交办). Names are unique, so any unit is
 * found by name.
 */
export interface GeneratedOrgOptions {
  towns?: number;
  unitsPerTown?: number;
  noSecretaryEvery?: number;
  policy?: Record<string, unknown>;
}

export interface GeneratedOrg {
  org: Org;
  towns: string[];
  /** chatid of each team's group, by team id. */
  teamChat: Map<string, string>;
  /** The group-robot key of a chat. */
  keyOf(chatId: string): string;
}

export const TOWN_NAMES = ['福禄', '七塘', '八塘', '青杠', '正兴', '大兴', '丁家', '大路', '河边', '健龙', '三合', '梅江', '广普', '依凤', '马坊', '金龙', '永兴', '太和', '石坝', '双凤'];
const FIRST = ['青', '石', '龙', '凤', '白', '黄', '红', '金', '银', '新', '古', '高', '长', '大', '小', '东', '西', '南', '北', '中', '上', '下', '双', '三', '五'];
const SECOND = ['河', '山', '林', '坝', '桥', '湾', '田', '岭', '沟', '塘', '坪', '庙', '堰', '井', '溪', '岗', '店', '寨', '坡', '园', '岩', '滩', '垭', '嘴', '冲', '槽', '坎', '梁', '台', '屯'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹'];
const GIVEN = ['建国', '秀英', '志刚', '丽华', '永红', '国强', '桂芳', '海燕', '德明', '春兰', '晓燕', '大勇', '玉琴', '明霞', '光辉', '文斌', '红梅', '长青', '振华', '小红', '建军', '丽娟', '永康', '思远', '雨桐', '子涵', '浩然', '欣怡', '俊杰', '佳琪'];

/** The kind of the v-th unit of a town: mostly villages, some communities, a few schools. */
function kindOf(v: number, perTown: number): '村' | '社区' | '学校' {
  if (v >= perTown - Math.max(1, Math.round(perTown * 0.06))) return '学校';
  if (v >= perTown - Math.max(2, Math.round(perTown * 0.2))) return '社区';
  return '村';
}

export function generateOrg(o: GeneratedOrgOptions = {}): GeneratedOrg {
  const townCount = o.towns ?? 10;
  const perTown = o.unitsPerTown ?? 50;
  const noSecretaryEvery = o.noSecretaryEvery ?? 20;
  if (townCount > TOWN_NAMES.length) throw new Error(`at most ${TOWN_NAMES.length} towns`);
  if (townCount * perTown > FIRST.length * SECOND.length) throw new Error(`at most ${FIRST.length * SECOND.length} units`);
  const names = SURNAMES.flatMap((s) => GIVEN.map((g) => s + g));
  let nextName = 0;
  const person = (userid: string) => ({ userid, name: names[nextName++]! });
  const people = [person('u_admin')];
  const units: Record<string, unknown>[] = [];
  const teams: Record<string, unknown>[] = [];
  const chats: Record<string, unknown>[] = [];
  const teamChat = new Map<string, string>();
  const towns: string[] = [];
  let k = 0;
  for (let t = 0; t < townCount; t++) {
    const town = `${TOWN_NAMES[t]}镇`;
    towns.push(town);
    const tid = `t${String(t + 1).padStart(2, '0')}`;
    const members = [1, 2, 3, 4].map((m) => `u_${tid}_m${m}`);
    people.push(...members.map(person));
    teams.push({ id: tid, name: `第${t + 1}工作队`, leader: members[0]!, members, towns: [town] });
    const chatid = `CHAT_${tid.toUpperCase()}`;
    chats.push({ chatid, team: tid, webhookKey: `KEY_${chatid}` });
    teamChat.set(tid, chatid);
    for (let v = 0; v < perTown; v++, k++) {
      const kind = kindOf(v, perTown);
      const base = `${FIRST[k % FIRST.length]}${SECOND[Math.floor(k / FIRST.length)]}`;
      const name = kind === '村' ? `${base}村` : kind === '社区' ? `${base}社区` : `${base}小学`;
      const id = `${tid}u${String(v + 1).padStart(3, '0')}`;
      const unit: Record<string, unknown> = { id, name, town, kind };
      if ((k + 1) % noSecretaryEvery !== 0) {
        const secretary = `u_sec_${id}`;
        people.push(person(secretary));
        unit.secretary = secretary;
      }
      units.push(unit);
    }
  }
  chats.push({ chatid: 'CHAT_ADMIN', admin: true, webhookKey: 'KEY_CHAT_ADMIN' });
  const file = {
    district: '大区',
    timezone: 'Asia/Shanghai',
    admins: ['u_admin'],
    people,
    units,
    teams,
    chats,
    policy: { quietHours: 'off', digestCron: '0 0 1 1 *', bulletinCron: '0 0 1 1 *', quarterlyCron: '0 0 1 1 *', annualCron: '0 0 1 1 *', ...o.policy },
  };
  const org = parseOrg(stringifyYaml(file), {}, 'generated organisation');
  return { org, towns, teamChat, keyOf: (chatId) => `KEY_${chatId}` };
}
