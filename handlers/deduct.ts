import { defineCommand, grammarInput } from '../src/pipeline/command';
import { recordScoreEntry } from '../src/pipeline/score-entry';

const EXAMPLE = '/扣分 斑竹村 1 台账资料弄虚作假';

export default defineCommand({
  name: 'deduct',
  aliases: ['扣分'],
  roles: ['admin'],
  summary: '百分量化考核扣分（台账以外的情形），留痕可撤回',
  usage: '/扣分 [队|队员|单位] <名称> <分值> <理由>',
  example: EXAMPLE,
  args: grammarInput,
  run: (ctx, input) => recordScoreEntry(ctx, input, -1, EXAMPLE),
});
