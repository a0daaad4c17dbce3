import { parse as parseYaml } from 'yaml';
import { orgFileSchema, type OrgFile } from '../../src/config/org-schema';
import { Org } from '../../src/domain/org';
import type { ScoreBoard, ScoreRow } from '../../src/domain/scoring';
import { itemLabel } from '../../src/parsing/checklist';
import { readScaleWord, scaleWords } from '../../src/parsing/scale';
import { renderBreakdown } from '../../src/rendering/scores';
import { taskAssignedReply } from '../../src/rendering/tasks';

/**
 * Names and scale words come from the org file; the schema refuses markup in them, and the
 * replies make them inert as well (docs/design.md §4.7) — for a file read before the rule, or a
 * path around the schema. Each place is fed markup directly, past the schema.
 */
const LINK = '环境[整治](http://x.cn)';
const MENTION = '差<@all>';

describe('text from the org file is inert in replies', () => {
  it('scale words in the scale list and the guess', () => {
    const scale = [
      { word: '好', aliases: [], deduct: 0 },
      { word: MENTION, aliases: [], deduct: 2 },
    ];
    expect(scaleWords(scale)).toBe('好、差＜@all＞');
    const r = readScaleWord(scale, '差<@all', '完成效果');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).not.toMatch(/[<>]/u);
      expect(r.error).toContain('是不是“差＜@all＞”？');
    }
  });

  it('a checklist item’s label', () => {
    expect(itemLabel({ code: 'A1', name: LINK, aliases: [] })).toBe('A1 环境［整治］(http://x.cn)');
  });

  it('a grade word in a score breakdown line', () => {
    const row: ScoreRow = {
      kind: 'unit',
      id: 'banzhu',
      label: '斑竹村',
      score: 98,
      deductions: [{ kind: 'grade', word: MENTION, label: `完成效果“${MENTION}”`, count: 1, per: '件', points: 2, issueIds: [12] }],
      entries: [],
    };
    const board: ScoreBoard = { district: '测试区', scopeLabel: '全区', periodLabel: '2026年6月', asOf: 0, teams: [], members: [], units: [row] };
    expect(renderBreakdown(board, row, 0).split('\n')).toContain('- 完成效果“差＜@all＞” 1 件 −2：#12');
  });

  it('a group’s label in the /布置 reply', () => {
    const file: OrgFile = orgFileSchema.parse(
      parseYaml(`
district: 测试区
people: [{ userid: u_l, name: 队长 }]
teams: [{ id: t1, name: 一队, leader: u_l, members: [u_l] }]
chats: [{ chatid: C1, team: t1 }]
`),
    );
    const org = new Org({ ...file, teams: [{ ...file.teams[0]!, name: `[一队](http://x.cn)` }] }, new Map());
    const task = { id: 3, content: '自查', deadline: 0, scopeWords: '全区', unitCount: 0, createdBy: 'u_l', createdAt: 0, source: '组织部布置', chat: 'C1', teamIds: ['t1'], units: [] };
    const reply = taskAssignedReply(org, { task, assigned: 0, waiting: [], groups: ['C1'] }, 0);
    expect(reply).toContain('已通知 1 个群：［一队］(http://x.cn)的群');
  });
});
