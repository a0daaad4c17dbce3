import { coverageFrom } from '../../src/domain/coverage';
import { spanOfMonths } from '../../src/domain/period-span';
import { formFields, formOf, FORM_NAMES } from '../../src/domain/visit';
import { splitTokens } from '../../src/parsing/args';
import { readVisitText } from '../../src/parsing/visit-fields';
import { demoOrg } from '../support/app';

const read = (text: string, form: Parameters<typeof readVisitText>[1]) => readVisitText(splitTokens(text), form);

describe('the 巡回指导记录表 of a unit’s kind', () => {
  it('gives every kind of the demo organisation one of the six forms', () => {
    const byKind = Object.fromEntries(demoOrg().units.map((u) => [u.kind, formOf(u)]));
    expect(byKind).toEqual({ 村: '农村', 社区: '小区', 企业: '企业', 学校: '学校', 医院: '医院', 机关: '机关' });
    expect(FORM_NAMES).toEqual(['机关', '小区', '农村', '学校', '企业', '医院']);
    expect(formOf({ kind: '协会' })).toBeUndefined();
    expect(formFields(undefined)).toEqual(['检查', '发现', '建议']);
  });
});

describe('readVisitText', () => {
  it('reads 字段:内容 pairs with either colon, in the form’s order, the rest as 情况', () => {
    expect(read('发现：公开栏未更新 三会一课:按时召开 与书记交流', '农村')).toEqual({
      fields: [
        { name: '三会一课', value: '按时召开' },
        { name: '发现', value: '公开栏未更新' },
      ],
      note: '与书记交流',
      unknown: [],
    });
  });

  it('ends a value at a comma before the next field, as people write it on a phone', () => {
    expect(read('三会一课：基本正常，村务公开：未按季度公开；发现:公开栏未更新，已提醒', '农村')).toEqual({
      fields: [
        { name: '三会一课', value: '基本正常' },
        { name: '村务公开', value: '未按季度公开' },
        { name: '发现', value: '公开栏未更新，已提醒' },
      ],
      note: '',
      unknown: [],
    });
  });

  it('takes the value after a space, a quoted value with spaces, aliases and repeated fields', () => {
    expect(read('检查: 查阅资料 问题:“台账 不全” 发现:公开栏未更新 情况:总体良好 意见:按月更新', '小区')).toEqual({
      fields: [
        { name: '检查', value: '查阅资料' },
        { name: '发现', value: '台账 不全；公开栏未更新' },
        { name: '建议', value: '按月更新' },
      ],
      note: '总体良好',
      unknown: [],
    });
  });

  it('reports a Chinese key the form does not have, and keeps times and links as text', () => {
    expect(read('医德医风:良好 9:30到达 http://x.example/a', '农村')).toEqual({ fields: [], note: '9:30到达 http://x.example/a', unknown: ['医德医风'] });
    expect(read('医德医风:良好', '医院').fields).toEqual([{ name: '医德医风', value: '良好' }]);
  });

  it('drops a key with no value rather than recording an empty field', () => {
    expect(read('发现:', '农村')).toEqual({ fields: [], note: '', unknown: [] });
    expect(read('发现: 建议:按月更新', '农村').fields).toEqual([{ name: '建议', value: '按月更新' }]);
  });
});

describe('spanOfMonths', () => {
  it('spans Shanghai calendar months, across a year end', () => {
    expect(spanOfMonths(['202606'])).toEqual({ from: Date.parse('2026-06-01T00:00:00+08:00'), to: Date.parse('2026-07-01T00:00:00+08:00') });
    expect(spanOfMonths(['202612', '202610', '202611'])).toEqual({ from: Date.parse('2026-10-01T00:00:00+08:00'), to: Date.parse('2027-01-01T00:00:00+08:00') });
    expect(spanOfMonths(undefined)).toBeUndefined();
  });
});

describe('coverageFrom', () => {
  const now = Date.parse('2026-06-16T12:00:00+08:00');
  const day = 86_400_000;

  it('counts visited units, visits, and the stale ones (never visited first, then the longest ago)', () => {
    const c = coverageFrom(['a', 'b', 'c', 'd'], new Map([['a', 2], ['c', 1]]), new Map([['a', now - day], ['b', now - 200 * day], ['c', now - 91 * day]]), now, 90);
    expect([c.units, c.visited, c.visits, c.rate, c.full]).toEqual([4, 2, 3, 50, false]);
    expect(c.stale).toEqual([{ unitId: 'd' }, { unitId: 'b', lastAt: now - 200 * day }, { unitId: 'c', lastAt: now - 91 * day }]);
  });

  it('is 全覆盖 only when every unit of a non-empty scope was visited', () => {
    expect(coverageFrom(['a'], new Map([['a', 1]]), new Map([['a', now]]), now, 90).full).toBe(true);
    expect(coverageFrom([], new Map(), new Map(), now, 90)).toMatchObject({ units: 0, rate: undefined, full: false });
  });
});
