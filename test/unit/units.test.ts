import { UnitIndex, unitIndex, type UnitMatch } from '../../src/parsing/units';
import { demoOrg } from '../support/app';

/** Units by name, town+name or unique prefix (docs/design.md §4.4), on the demo organisation. */

const org = demoOrg();
const index = new UnitIndex(org);

/** A match as ids, so a failure shows which units were found. */
function ids(m: UnitMatch): string | string[] | undefined {
  if (m.kind === 'one') return m.unit.id;
  if (m.kind === 'many') return m.units.map((u) => u.id).sort();
  return undefined;
}

describe('UnitIndex.match', () => {
  it.each<[string, string, string]>([
    ['an exact name', '斑竹村', 'banzhu'],
    ['town + name', '福禄镇斑竹村', 'banzhu'],
    ['a unique prefix of a name', '斑竹', 'banzhu'],
    ['a unique prefix of town + name', '福禄镇斑', 'banzhu'],
    ['a school by its full name', '福禄镇中心小学', 'fulu_xx'],
    ['a unique prefix of a district agency', '区第二', 'erzhong'],
    ['an enterprise with no secretary', '大兴精密机械公司', 'daxing_jx'],
    ['surrounding spaces', '  斑竹村 ', 'banzhu'],
  ])('%s: %s', (_case, text, id) => {
    const m = index.match(text);
    expect(m.kind).toBe('one');
    expect(ids(m)).toBe(id);
  });

  it.each<[string, string, string]>([
    ['Traditional name', '喜觀村', 'xiguan'],
    ['Traditional town + name', '福祿鎮斑竹村', 'banzhu'],
    ['Traditional agency', '區教育局', 'jiaoyu_ju'],
    ['Traditional prefix', '區第二', 'erzhong'],
  ])('finds the unit from %s (%s)', (_case, text, id) => {
    expect(ids(index.match(text))).toBe(id);
  });

  it('returns every candidate when a prefix is ambiguous: 喜观 → 喜观村 and 喜观乡村旅游公司', () => {
    const m = index.match('喜观');
    expect(m.kind).toBe('many');
    expect(m.kind === 'many' && m.units.map((u) => `${u.town}${u.name}`).sort()).toEqual(['七塘镇喜观乡村旅游公司', '七塘镇喜观村']);
  });

  it('lists each unit once even when both its keys match', () => {
    // "七塘镇喜观" prefixes the town+name keys of both; neither is listed twice.
    expect(ids(index.match('七塘镇喜观'))).toEqual(['xiguan', 'xiguan_ly']);
  });

  it('lists every unit of a town for the bare town name', () => {
    expect(ids(index.match('福禄镇'))).toEqual(['banzhu', 'fulu_sq', 'fulu_xx', 'huangjue_sq', 'longjing', 'shiyan']);
  });

  describe('resolving ambiguity with the preferred (the chat\'s own) units', () => {
    it('takes the one candidate that is preferred', () => {
      const m = index.match('喜观', new Set(['xiguan', 'jiangjun', 'lianhua']));
      expect(m).toEqual({ kind: 'one', unit: org.unit('xiguan') });
    });

    it('takes the other candidate when that one is preferred', () => {
      expect(ids(index.match('喜观', new Set(['xiguan_ly', 'chengtou'])))).toBe('xiguan_ly');
    });

    it('still asks when both candidates are preferred', () => {
      expect(ids(index.match('喜观', new Set(['xiguan', 'xiguan_ly'])))).toEqual(['xiguan', 'xiguan_ly']);
    });

    it('still asks when no candidate is preferred', () => {
      expect(ids(index.match('喜观', new Set(['banzhu'])))).toEqual(['xiguan', 'xiguan_ly']);
      expect(ids(index.match('喜观', new Set()))).toEqual(['xiguan', 'xiguan_ly']);
    });

    it('does not let the preferred set override a unique match outside it', () => {
      expect(ids(index.match('斑竹村', new Set(['xiguan'])))).toBe('banzhu');
    });

    it('does not invent a match from the preferred set', () => {
      expect(index.match('火星村', new Set(['banzhu']))).toEqual({ kind: 'none' });
    });
  });

  it.each<[string, string]>([
    ['an unknown name', '火星村'],
    ['empty text', ''],
    ['only spaces', '   '],
    ['a unit name followed by more text', '斑竹村闸阀'],
    ['Latin letters', 'banzhu'],
    ['full-width letters', 'ＡＢ'],
  ])('finds nothing for %s', (_case, text) => {
    expect(index.match(text)).toEqual({ kind: 'none' });
  });
});

describe('UnitIndex.matchAtStart', () => {
  it('splits 斑竹村闸阀损坏 into 斑竹村 and the rest', () => {
    expect(index.matchAtStart('斑竹村闸阀损坏')).toEqual({ match: { kind: 'one', unit: org.unit('banzhu') }, rest: '闸阀损坏' });
  });

  it.each<[string, string, string, string]>([
    ['town + name glued to the text', '福禄镇斑竹村闸阀损坏', 'banzhu', '闸阀损坏'],
    ['an enterprise name glued to the text', '喜观乡村旅游公司消防通道堵塞', 'xiguan_ly', '消防通道堵塞'],
    ['喜观村 followed by text', '喜观村道路破损', 'xiguan', '道路破损'],
    ['a school name', '福禄镇中心小学厕所漏水', 'fulu_xx', '厕所漏水'],
    ['Traditional input; the rest keeps what was typed', '福祿鎮斑竹村閘閥損壞', 'banzhu', '閘閥損壞'],
    ['a space after the name is trimmed from the rest', '斑竹村 闸阀', 'banzhu', '闸阀'],
  ])('%s', (_case, text, id, rest) => {
    const r = index.matchAtStart(text);
    expect(r && ids(r.match)).toBe(id);
    expect(r?.rest).toBe(rest);
  });

  it.each<[string, string]>([
    ['unknown text', '火星村闸阀损坏'],
    ['the name alone (nothing follows)', '斑竹村'],
    ['a prefix that is not a whole name', '斑竹闸阀损坏'],
    ['empty text', ''],
  ])('gives nothing for %s', (_case, text) => {
    expect(index.matchAtStart(text)).toBeUndefined();
  });
});

describe('unitIndex (cached per org)', () => {
  it('returns the same index for the same org and matches like a new one', () => {
    expect(unitIndex(org)).toBe(unitIndex(org));
    expect(ids(unitIndex(org).match('福禄镇斑竹村'))).toBe('banzhu');
  });
});
