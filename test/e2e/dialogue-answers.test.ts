import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import type { TemplateCard } from '../../src/transport/template-card';
import { BOT_NAME } from '../support/app';
import { TRANSPORTS, type TransportUnderTest } from '../support/drivers';

/**
 * What a new user met after the cards came (a trial's findings): the 整改情况 asked after 已整改
 * takes ordinary answers, a 销号 click says what the typed 销号 says, the fixer is spoken to as
 * "you", and a command word glued to its number is read.
 */
const LEADER = 'u_luo'; // 罗志刚, 第一工作队队长
const VERIFIER = 'u_t1_m3'; // 冉小兵, 第一工作队
const SECRETARY = 'u_sec_banzhu'; // 陈晓燕, 斑竹村书记
const CHAT = 'CHAT_T1';

const fields = (card: TemplateCard | undefined) => Object.fromEntries((card?.horizontal_content_list ?? []).map((f) => [f.keyname, f.value]));

describe.each(TRANSPORTS)('dialogue answers over $name', (transport) => {
  let u: TransportUnderTest;
  let ledger: LedgerStore;
  beforeAll(async () => {
    u = await transport.start();
    ledger = new LedgerStore(u.t.redis, createKeys(u.t.prefix));
  });
  afterAll(async () => {
    await u.stop();
  });

  const say = async (userId: string, text: string) => (await u.driver.say({ userId, chatId: CHAT, text: `@${BOT_NAME} ${text}` })).markdown;
  const sayFull = (userId: string, text: string) => u.driver.say({ userId, chatId: CHAT, text: `@${BOT_NAME} ${text}` });
  const idOf = (markdown: string) => Number(/\*\*#(\d+)\*\*/u.exec(markdown)![1]);

  async function reported() {
    const r = await sayFull(LEADER, '/上报 斑竹村 闸阀老化漏水');
    return { id: idOf(r.markdown), card: r.card! };
  }

  it('takes an ordinary 整改情况 after the 已整改 button, as the typed /整改 would', async () => {
    const { id, card } = await reported();
    const click = await u.driver.click({ chatId: CHAT, userId: SECRETARY, taskId: card.task_id!, eventKey: 'fix', expectFollowUp: true });
    expect(click.followUp).toMatch(new RegExp(`^❓ 请简要说明 #${id} 的整改情况`, 'u'));
    const answer = await say(SECRETARY, '已安排专人值守');
    expect(answer).toContain(`✅ **#${id}** 福禄镇斑竹村 已反馈整改，状态：待核验\n整改情况：已安排专人值守`);
    expect(await ledger.get(id)).toMatchObject({ state: 'submitted', fixNote: '已安排专人值守', fixedBy: SECRETARY });
  });

  it('after a bare /整改 #id, refuses only a not-yet answer, offers the exact command, and takes the next answer', async () => {
    const { id } = await reported();
    expect(await say(SECRETARY, `/整改 #${id}`)).toMatch(new RegExp(`^❓ 请简要说明 #${id} 的整改情况`, 'u'));
    const notYet = await say(SECRETARY, '正在整改，明天完工');
    expect(notYet).toContain(`这条就是整改情况的话，请发送：\n\`/整改 #${id} 正在整改，明天完工\``);
    expect((await ledger.get(id))!.state).toBe('assigned');
    // The question still stands: the next answer is the fix.
    expect(await say(SECRETARY, '闸阀已更换，不再漏水')).toContain(`整改情况：闸阀已更换，不再漏水`);
    expect((await ledger.get(id))!.state).toBe('submitted');
  });

  it('speaks to the one who reported the fix when she sends /整改 #id again', async () => {
    const { id } = await reported();
    await say(SECRETARY, `/整改 #${id} 管道已修好，不漏了`);
    expect(await say(SECRETARY, `/整改 #${id}`)).toContain(`要补充照片或说明，请发送：/整改 #${id} 补充内容（可附照片）`);
  });

  it('says on a 销号 click what the typed 销号 says: 按期, the 回头看 date and how to revisit, and how to give the 完成效果', async () => {
    const { id } = await reported();
    const fixed = await sayFull(SECRETARY, `/整改 #${id} 闸阀已更换`);
    const click = await u.driver.click({ chatId: CHAT, userId: VERIFIER, taskId: fixed.card!.task_id!, eventKey: 'verify', expectFollowUp: true });
    expect(click.update?.main_title?.desc).toBe('已由 冉小兵 销号');
    const shown = fields(click.update);
    expect(shown).toMatchObject({ 状态: '已销号', 完成效果: '未评定' });
    // The card's 回头看 is the day the words name: "2027年1月4日周一 09:00" and "2027年1月4日（周一）".
    const day = /回头看：((?:\d{4}年)?\d{1,2}月\d{1,2}日)（(周.)）/u.exec(click.followUp ?? '');
    expect(shown['回头看']).toMatch(new RegExp(`^${day![1]}${day![2]}`, 'u'));
    expect(click.followUp).toMatch(new RegExp(`^☑️ \\*\\*#${id}\\*\\* 福禄镇斑竹村 已销号（按期整改）\\n回头看：.+提醒工作队回访，\`/回访 #${id} 正常\` 或 \`/回访 #${id} 反弹 说明\`。\\n完成效果未评定；要评定请发送：\`/销号 #${id} 效果:好\`$`, 'u'));
    expect((await ledger.get(id))!.state).toBe('closed');
  });

  it('reads a command word glued to its number, and a number alone as a look at the issue', async () => {
    const { id } = await reported();
    await say(SECRETARY, `/整改 #${id} 闸阀已更换`);
    expect(await say(VERIFIER, `${id}`)).toMatch(new RegExp(`^\\*\\*#${id} 福禄镇斑竹村\\*\\*（待核验）`, 'u'));
    expect(await say(VERIFIER, `销号${id}`)).toMatch(new RegExp(`^☑️ \\*\\*#${id}\\*\\* 福禄镇斑竹村 已销号`, 'u'));
    expect((await ledger.get(id))!.state).toBe('closed');
    expect(await say(VERIFIER, '今天天气不错')).toBe('⚠️ 没有看懂这条消息。可以直接说“帮助”“我的”，或发送命令，例如 `/帮助`、`/查看 #12`。');
  });
});
