import { readFileSync } from 'node:fs';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { stripBotMentions, stripLeadingForeignMentions } from '../../src/parsing/mentions';
import { commandKey, normalizeText } from '../../src/parsing/normalize';
import { PeopleIndex, peopleIndex } from '../../src/parsing/people';

const demo = parseOrg(readFileSync(demoOrgFile(), 'utf8'), {});

describe('stripBotMentions (docs/wecom-protocol.md §1.2: the mention is plain text)', () => {
  const bot = ['督办助手'];

  it.each<[string, string, string]>([
    ['at the start', '@督办助手 /帮助', '/帮助'],
    ['at the start, two spaces after', '@督办助手  /帮助 我是谁', '/帮助 我是谁'],
    ['at the end', '允许 @督办助手', '允许'],
    ['at the end after a command', '/帮助 @督办助手', '/帮助'],
    ['in the middle', '/上报 斑竹村 @督办助手 路灯坏了', '/上报 斑竹村 路灯坏了'],
    ['with a full-width ＠', '＠督办助手 /帮助', '/帮助'],
    ['followed by a newline', '@督办助手\n/上报 斑竹村\n路灯坏了', '/上报 斑竹村\n路灯坏了'],
    ['followed by an ideographic space', '@督办助手\u3000/帮助', '/帮助'],
    ['followed by a non-breaking space', '@督办助手\u00a0/帮助', '/帮助'],
    ['written twice', '@督办助手 @督办助手 /帮助', '/帮助'],
    ['directly followed by the slash', '@督办助手/帮助', '/帮助'],
    ['followed by a Chinese comma', '@督办助手，/帮助', '/帮助'],
    ['followed by a full-width colon', '@督办助手：/我是谁', '/我是谁'],
    ['alone', '@督办助手', ''],
  ])('%s', (_case, text, expected) => {
    expect(stripBotMentions(text, bot)).toBe(expected);
  });

  it('strips a name that contains a space', () => {
    expect(stripBotMentions('@督办 助手 /帮助', ['督办 助手'])).toBe('/帮助');
  });

  it('prefers the longest of two names, whatever order they are configured in', () => {
    expect(stripBotMentions('@督办助手 /帮助', ['督办', '督办助手'])).toBe('/帮助');
    expect(stripBotMentions('@督办助手 /帮助', ['督办助手', '督办'])).toBe('/帮助');
    expect(stripBotMentions('@督办 /帮助', ['督办', '督办助手'])).toBe('/帮助');
  });

  it('prefers the longer name that continues with a space', () => {
    expect(stripBotMentions('@督办 助手 /帮助', ['督办', '督办 助手'])).toBe('/帮助');
  });

  it('does not strip part of a different name (@督办助手2)', () => {
    expect(stripBotMentions('@督办助手2 /帮助', ['督办', '督办助手'])).toBe('@督办助手2 /帮助');
  });

  it('treats regex characters in a name literally', () => {
    expect(stripBotMentions('@Robot.A /x', ['Robot.A'])).toBe('/x');
    expect(stripBotMentions('@RobotXA /x', ['Robot.A'])).toBe('@RobotXA /x');
  });

  it('leaves mentions of people alone', () => {
    expect(stripBotMentions('@督办助手 /交办 #12 @陈晓燕', bot)).toBe('/交办 #12 @陈晓燕');
  });

  it('leaves a message without the mention as it is (single chat)', () => {
    expect(stripBotMentions('/我是谁', bot)).toBe('/我是谁');
  });
});

describe('stripLeadingForeignMentions', () => {
  const isPerson = (name: string) => peopleIndex(demo).find(name) !== undefined;

  it('drops leading @tokens that are not people', () => {
    expect(stripLeadingForeignMentions('@张三 @机器人 /清单 逾期', isPerson)).toBe('/清单 逾期');
    expect(stripLeadingForeignMentions('＠小助手 /帮助', isPerson)).toBe('/帮助');
    expect(stripLeadingForeignMentions('@别的机器人\n/帮助', isPerson)).toBe('/帮助');
  });

  it('keeps the text from the first @ that names a person', () => {
    expect(stripLeadingForeignMentions('@罗志刚 请看一下 #12', isPerson)).toBe('@罗志刚 请看一下 #12');
    expect(stripLeadingForeignMentions('@机器人 @罗志刚 请看一下', isPerson)).toBe('@罗志刚 请看一下');
  });

  it('does not touch @mentions after the first word', () => {
    expect(stripLeadingForeignMentions('/交办 #12 @张三', isPerson)).toBe('/交办 #12 @张三');
  });
});

describe('normalizeText', () => {
  it.each<[string, string]>([
    ['／上报', '/上报'],
    ['＃１２', '#12'],
    ['期限：3天', '期限:3天'],
    ['２０２２－０５－０１', '2022-05-01'],
    ['ＨＥＬＰ', 'HELP'],
    ['銷號', '销号'],
    ['駁回', '驳回'],
    ['幫助', '帮助'],
    ['臺賬', '台账'],
    ['a\u3000b', 'a b'],
    ['斑竹村 路灯坏了', '斑竹村 路灯坏了'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('commandKey', () => {
  it.each<[string, string]>([
    ['／幫助', '帮助'],
    ['/HELP', 'help'],
    ['ＨＥＬＰ', 'help'],
    ['/帮助', '帮助'],
    ['我是誰', '我是谁'],
    ['銷號', '销号'],
  ])('%s → %s', (word, key) => {
    expect(commandKey(word)).toBe(key);
  });
});

describe('PeopleIndex', () => {
  const people = new PeopleIndex(demo);

  it.each<[string, string, string]>([
    ['a name', '罗志刚', 'u_luo'],
    ['an alias', '罗队长', 'u_luo'],
    ['the Traditional form of a name', '羅志剛', 'u_luo'],
    ['the Traditional form of an alias', '羅隊長', 'u_luo'],
    ['another Traditional name', '陳曉燕', 'u_sec_banzhu'],
    ['a userid', 'u_t7_m4', 'u_t7_m4'],
    ['an alias of the two-role person', '杜局长', 'u_t7_m4'],
    ['a name with surrounding spaces', ' 邓丽华 ', 'u_t1_m4'],
  ])('finds a person by %s (%s)', (_case, query, userid) => {
    expect(people.find(query)?.userid).toBe(userid);
  });

  it('finds nobody for an unknown name', () => {
    expect(people.find('张三')).toBeUndefined();
    expect(people.find('u_nobody')).toBeUndefined();
  });

  it('is built once per org by peopleIndex()', () => {
    expect(peopleIndex(demo)).toBe(peopleIndex(demo));
  });
});
