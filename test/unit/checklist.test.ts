import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ConfigError } from '../../src/config/env';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { checklistKey, createChecklistMatcher, type ChecklistMatch } from '../../src/parsing/checklist';

/** The 巡查 checklist: 类别 typed sloppily still names one item; a typo is offered its items; the org file refuses clashes. */
const demoText = readFileSync(demoOrgFile(), 'utf8');
const demo = parseOrg(demoText, {});
const matcher = createChecklistMatcher(demo.checklist);
const name = (m: ChecklistMatch) => (m.kind === 'one' ? m.item.name : m.kind);
const offered = (m: ChecklistMatch) => (m.kind === 'unknown' ? m.suggestions.map((i) => i.code) : m.kind === 'many' ? m.items.map((i) => i.code) : []);

describe('the demo checklist', () => {
  it('holds the items of the monthly 巡查, each with a short code', () => {
    expect(demo.checklist.length).toBeGreaterThanOrEqual(10);
    expect(demo.checklist.slice(0, 6).map((i) => `${i.code} ${i.name}`)).toEqual(['A1 党建重点工作', 'A2 党风廉政建设', 'A3 基本制度落实', 'A4 意识形态', 'A5 环境治理', 'A6 社会治安']);
  });
});

describe('matching a typed 类别', () => {
  it.each([
    ['A5', '环境治理'],
    ['a5', '环境治理'],
    ['Ａ５', '环境治理'],
    [' a 5 ', '环境治理'],
    ['A10', '村务公开'],
    ['环境治理', '环境治理'],
    ['環境治理', '环境治理'],
    ['人居环境', '环境治理'],
    ['环境', '环境治理'],
    ['黨風廉政建設', '党风廉政建设'],
    ['党风廉政', '党风廉政建设'],
    ['意识形态建设', '意识形态'],
    ['社会 治安', '社会治安'],
    ['三会一课', '基本制度落实'],
    ['国家卫生', '国家卫生城市复审'],
    ['基础设施', '基础设施'],
    ['路灯', '基础设施'],
    ['A19', '基础设施'],
  ])('%s → %s', (typed, item) => {
    expect(name(matcher.match(typed))).toBe(item);
  });

  it('never takes a start for one item when another item holds the word too', () => {
    // 卫生 starts A8's alias 卫生城市 but is inside A5's 环境卫生: the trial's 厕所脏乱 went to A8.
    const m = matcher.match('卫生');
    expect(m.kind).toBe('many');
    expect(offered(m)).toEqual(['A5', 'A8']);
  });

  it('picks one item from a part of a name only when it is an exact word or a start no other item holds', () => {
    // Every piece of every name and alias, in every tier: a `one` that is not exact must be the
    // only item holding the piece anywhere.
    const exact = new Map(demo.checklist.flatMap((i) => [i.code, i.name, ...i.aliases].map((w) => [checklistKey(w), i] as const)));
    const pieces = new Set(demo.checklist.flatMap((i) => [i.name, ...i.aliases]).flatMap((w) => [...w].flatMap((_, a) => [...w].map((__, b) => [...w].slice(a, b + 1).join('')))));
    let checked = 0;
    for (const piece of pieces) {
      const m = matcher.match(piece);
      if (m.kind !== 'one') continue;
      checked++;
      const holders = demo.checklist.filter((i) => [i.name, ...i.aliases].some((w) => checklistKey(w).includes(checklistKey(piece))));
      if (exact.get(checklistKey(piece)) === m.item) continue;
      expect({ piece, holders: holders.map((i) => i.code) }).toEqual({ piece, holders: [m.item.code] });
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('answers many, never one, for a word two items of an unchecked list share', () => {
    const m = createChecklistMatcher([
      { code: 'X1', name: '卫生', aliases: [] },
      { code: 'X2', name: '环境', aliases: ['卫生'] },
    ]).match('卫生');
    expect(offered(m)).toEqual(['X1', 'X2']);
    expect(m.kind).toBe('many');
  });

  it('asks which one when a start fits several items', () => {
    const m = matcher.match('党员');
    expect(m.kind).toBe('many');
    expect(offered(m)).toEqual(expect.arrayContaining(['A7', 'A12', 'A13']));
  });

  it.each([
    ['环竟治理', ['A5']],
    ['环境治里', ['A5']],
    ['社会治按', ['A6']],
    ['党风廉正建设', ['A2']],
    ['加强意识形态工作', ['A4']],
    ['A55', ['A5']],
  ])('offers %s its nearest items', (typed, codes) => {
    const m = matcher.match(typed);
    expect(m.kind).toBe('unknown');
    expect(offered(m).slice(0, codes.length)).toEqual(codes);
  });

  it('offers nothing for a word far from every item, and never matches one character', () => {
    expect(matcher.match('闸阀')).toEqual({ kind: 'unknown', suggestions: [] });
    expect(matcher.match('环').kind).toBe('unknown');
    expect(matcher.match('').kind).toBe('unknown');
    expect(matcher.match('Z9').kind).toBe('unknown');
  });
});

describe('the org file refuses a checklist that does not name one item per word', () => {
  function orgError(mutate: (raw: { checklist: { code: string; name: string; aliases?: string[] }[] }) => void): string {
    const raw = parseYaml(demoText) as { checklist: { code: string; name: string; aliases?: string[] }[] };
    mutate(raw);
    try {
      parseOrg(toYaml(raw), {});
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error('parseOrg accepted the file');
  }

  it('a duplicate code, after folding case and full-width forms', () => {
    expect(orgError((r) => r.checklist.push({ code: 'a5', name: '新项目' }))).toBe(`ORG_FILE: checklist[${demo.checklist.length}].code: duplicate checklist code a5`);
  });

  it('a name or alias another item has, after folding Traditional characters', () => {
    expect(orgError((r) => r.checklist.push({ code: 'B1', name: '環境治理' }))).toBe(`ORG_FILE: checklist[${demo.checklist.length}].name: 環境治理 already names checklist item A5`);
    expect(orgError((r) => r.checklist.push({ code: 'B1', name: '新项目', aliases: ['治安'] }))).toBe(`ORG_FILE: checklist[${demo.checklist.length}].aliases[0]: 治安 already names checklist item A6`);
  });

  it('a bad code, with its path', () => {
    expect(orgError((r) => r.checklist.push({ code: 'A-1', name: '新项目' }))).toMatch(/^ORG_FILE: checklist\[\d+\]\.code: expected a short code/u);
  });

  it('accepts an empty checklist (类别 stays free text)', () => {
    const raw = parseYaml(demoText) as Record<string, unknown>;
    delete raw.checklist;
    expect(parseOrg(toYaml(raw), {}).checklist).toEqual([]);
  });
});
