import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { appForFile, BOT_NAME } from '../support/app';

/**
 * Duties kept apart (两人核验), end to end: one team member once ran the whole loop alone —
 * 上报 to himself, approved his own extension, reported the fix and verified it. Each of those
 * steps is now refused with the real reason, and the loop closes only with a second person.
 */
const { app } = appForFile('2026-04-27T09:00:00+08:00');

const ME = 'u_t1_m2'; // 唐建平, 第一工作队 队员 (福禄镇)
const COLLEAGUE = 'u_t1_m3'; // 冉小兵, same team
const SEC_BANZHU = 'u_sec_banzhu'; // 陈晓燕, 斑竹村书记

function say(userId: string, text: string): Promise<string> {
  return app().client.say({ userId, chatId: 'CHAT_T1', text: `@${BOT_NAME} ${text}` });
}

const SELF_ASSIGN = '无权限：不能把问题交办给自己：交办人和责任人须是两个人，请 @该单位责任人或其他同志。';

describe('one member alone is stopped at each step (两人核验)', () => {
  it('refuses 上报 @himself, 交办 to himself, approving his own extension, and verifying or rejecting his own fix', async () => {
    const keys = createKeys(app().prefix);
    const ledger = new LedgerStore(app().redis, keys);

    // /上报 … @himself: refused before an id is taken.
    const seqBefore = await app().redis.get(keys.issueSeq);
    expect(await say(ME, '/上报 斑竹村 路灯损坏 @唐建平')).toBe(SELF_ASSIGN);
    expect(await app().redis.get(keys.issueSeq)).toBe(seqBefore);

    // Reported without naming anyone, it goes to the unit's secretary; he may not take it over.
    const reported = await say(ME, '/上报 斑竹村 路灯损坏');
    const id = Number(/#(\d+)/.exec(reported)?.[1]);
    expect(reported).toContain('责任人：@陈晓燕');
    expect(await say(ME, `/交办 #${id} @唐建平`)).toBe(SELF_ASSIGN);

    // A colleague assigns it to him: he asks for more time and may not grant it himself.
    expect(await say(COLLEAGUE, `/交办 #${id} @唐建平`)).toContain('已交办 @唐建平');
    expect(await say(ME, `/延期 #${id} 5月20日 配件未到货`)).toContain('申请延期至');
    expect(await say(ME, `/延期 #${id} 同意`)).toBe(`无权限：#${id} 的延期由你申请，需由本片区工作队批准。`);

    // He reports the fix: someone else must judge it, either way.
    expect(await say(ME, `/整改 #${id} 路灯已更换`)).toContain('已反馈整改');
    expect(await say(ME, `/销号 #${id}`)).toBe(`无权限：#${id} 的整改由你反馈，销号需由本片区工作队的其他同志核验（两人核验）。`);
    expect(await say(ME, `/驳回 #${id} 再看看`)).toBe(`无权限：#${id} 的整改由你反馈，驳回需由本片区工作队的其他同志核验（两人核验）。`);
    expect(await ledger.get(id)).toMatchObject({ state: 'submitted', assignee: ME, fixedBy: ME });

    // The colleague rejects and hands it to the secretary; having been the assignee still bars him.
    expect(await say(COLLEAGUE, `/驳回 #${id} 照片看不清`)).toContain('已驳回');
    expect(await say(COLLEAGUE, `/交办 #${id} @陈晓燕`)).toContain('已交办 @陈晓燕');
    expect(await say(SEC_BANZHU, `/整改 #${id} 已重新更换灯具`)).toContain('已反馈整改');
    expect(await say(ME, `/销号 #${id}`)).toBe(`无权限：你曾是 #${id} 的责任人，销号需由本片区工作队的其他同志核验（两人核验）。`);

    // A second person closes it.
    expect(await say(COLLEAGUE, `/销号 #${id} 现场核验无误`)).toContain('已销号');
    const issue = await ledger.get(id);
    expect(issue).toMatchObject({ state: 'closed', assignee: SEC_BANZHU, formerAssignees: [SEC_BANZHU, ME], fixedBy: SEC_BANZHU });
    // Refused steps left nothing in the audit.
    const audit = (await app().redis.lrange(keys.audit(id), 0, -1)).map((e) => (JSON.parse(e) as { action: string; actor: string }));
    expect(audit.map((e) => `${e.action}:${e.actor}`)).toEqual([
      `report:${ME}`,
      `assign:${COLLEAGUE}`,
      `extend:${ME}`,
      `fix:${ME}`,
      `reject:${COLLEAGUE}`,
      `assign:${COLLEAGUE}`,
      `fix:${SEC_BANZHU}`,
      `verify:${COLLEAGUE}`,
    ]);
  });
});
