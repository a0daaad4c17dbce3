import { defineCommand, grammarInput } from '../src/pipeline/command';
import { recordScoreEntry } from '../src/pipeline/score-entry';

const EXAMPLE = '/加分 第一工作队 2 获市级表彰';

export default defineCommand({
  name: 'bonus',
  aliases: ['加分'],
  roles: ['admin'],
  summary: '百分量化考核加分（表彰奖励、宣传报道、肯定性批示等），留痕可撤回',
  usage: '/加分 [队|队员|单位] <名称> <分值> <理由>',
  example: EXAMPLE,
  args: grammarInput,
  run: (ctx, input) => recordScoreEntry(ctx, input, 1, EXAMPLE),
});
