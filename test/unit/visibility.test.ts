import scoreCommand from '../../handlers/score';
import { districtScope, ledScope, ledUnits, mayUse, readScopeWord, townChoices } from '../../src/domain/visibility';
import { demoOrg } from '../support/app';

/**
 * The one rule of who may take out or rank what (the chat's /导出 and /考核 and the dashboard's
 * export and scores ask it), and which towns a person may pick as a scope or as a table filter.
 */
const org = demoOrg();
const m = (userid: string) => org.membership(userid);
const t1 = org.team('t1')!.coveredUnitIds;

describe('ledUnits, ledScope and mayUse', () => {
  it('gives 组织部 anything, a 队长 the area of the teams they lead, a member nothing', () => {
    expect(ledUnits(m('u_admin'))).toBe('any');
    expect([...(ledUnits(m('u_luo')) as Set<string>)].sort()).toEqual([...t1].sort());
    expect(ledUnits(m('u_t1_m2'))).toEqual(new Set());
    // A member of t7 who is secretary of 区教育局: no led area for being a secretary.
    expect(ledUnits(m('u_t7_m4'))).toEqual(new Set());
  });

  it('keeps a named scope inside the led area, refuses one outside, narrows the default', () => {
    const fulu = readScopeWord(org, m('u_luo'), '福禄镇');
    expect(fulu?.kind).toBe('scope');
    if (fulu?.kind !== 'scope') return;
    expect(ledScope(m('u_luo'), fulu.scope, true)).toBe(fulu.scope);
    expect(ledScope(m('u_luo'), districtScope(org), true)).toBeUndefined();
    const narrowed = ledScope(m('u_luo'), districtScope(org), false)!;
    expect(narrowed.label).toBe('第一工作队');
    expect(narrowed.units.map((u) => u.id).sort()).toEqual([...t1].sort());
    expect(ledScope(m('u_admin'), districtScope(org), true)).toEqual(districtScope(org));
  });

  it('says whether a command’s roles include one of the person’s', () => {
    expect(mayUse(scoreCommand.roles, m('u_luo'))).toBe(true);
    expect(mayUse(scoreCommand.roles, m('u_t1_m2'))).toBe(false);
    expect(mayUse('anyone', m('u_t1_m2'))).toBe(true);
  });
});

describe('townChoices', () => {
  it('offers a town as a scope only when all of it is visible, as a filter when any unit is', () => {
    expect(townChoices(org, m('u_luo'))).toEqual({ scope: ['福禄镇'], filter: ['福禄镇'] });
    expect(townChoices(org, m('u_t6_m1'))).toEqual({ scope: [], filter: ['璧城街道', '七塘镇', '大兴镇'] });
    const admin = townChoices(org, m('u_admin'));
    expect(admin.scope).toEqual(admin.filter);
    expect(admin.scope).toEqual([...new Set(org.units.map((u) => u.town))]);
  });
});
