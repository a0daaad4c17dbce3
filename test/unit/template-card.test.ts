import { templateCardSchema } from '../../src/transport/template-card';

/** The card subset duban sends or stores (docs/wecom-protocol.md §1.9): WeCom's required fields hold. */
describe('templateCardSchema', () => {
  it('takes a text_notice with a click action and a title, or a subtitle', () => {
    expect(templateCardSchema.safeParse({ card_type: 'text_notice', main_title: { title: '通报' }, card_action: { type: 1, url: 'https://duban.example' } }).success).toBe(true);
    expect(templateCardSchema.safeParse({ card_type: 'text_notice', sub_title_text: '本周通报', card_action: { type: 2 } }).success).toBe(true);
  });

  it.each([
    ['no card_action', { card_type: 'text_notice', main_title: { title: '通报' } }],
    ['card_action type 0 (none)', { card_type: 'text_notice', main_title: { title: '通报' }, card_action: { type: 0 } }],
    ['neither a title nor a subtitle', { card_type: 'text_notice', main_title: { desc: '说明' }, card_action: { type: 1, url: 'https://duban.example' } }],
  ])('refuses a text_notice with %s', (_name, card) => {
    const parsed = templateCardSchema.safeParse(card);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('a text_notice needs card_action (type 1 or 2) and main_title.title or sub_title_text');
  });

  it('leaves a button_interaction card alone (its card_action is optional)', () => {
    expect(templateCardSchema.safeParse({ card_type: 'button_interaction', main_title: { title: '#1' }, task_id: 'i1-assigned-0-3fa9c1d2', button_list: [{ text: '查看', key: 'show' }] }).success).toBe(true);
  });
});
