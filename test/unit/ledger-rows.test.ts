import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { makePlacer } from '../../src/import/ledger-rows';

/** A 台账 row whose 发现人 is a name two people share is asked about, as the chat asks, not called unknown. */
describe('placing a 台账 row: people', () => {
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { people: { userid: string; name: string }[] };
  raw.people.push({ userid: 'u_tang2', name: '唐建平' });
  const org = parseOrg(toYaml(raw), {});
  const place = makePlacer({ org, now: Date.parse('2026-12-02T02:00:00Z'), defaultReporter: 'u_admin' });
  const row = (finder: string) => place({ row: 7, values: { description: '路灯不亮', unit: '斑竹村', foundAt: '2026-11-20', finder } });

  it('names both people sharing the 发现人 name', () => {
    expect(row('唐建平')).toEqual({ ok: false, problems: ['第7行 发现人“唐建平”是 2 个人的名字（u_t1_m2、u_tang2），请写别名或企业微信账号，例如 @u_t1_m2'] });
  });

  it('places the row when the 发现人 is written as the userid', () => {
    const r = row('u_tang2');
    expect(r.ok && r.placed.reporter).toBe('u_tang2');
  });
});
