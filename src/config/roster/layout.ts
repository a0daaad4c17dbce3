import { policySchema } from '../org-schema';

/**
 * The roster workbook's shape, shared by the template writer and the reader so the two cannot
 * drift: sheet names, column headers (matched by name on reading, so columns may be reordered),
 * widths and the note each header carries.
 */
export interface Column {
  key: string;
  header: string;
  width: number;
  note: string;
  required?: boolean;
}

export const SHEET = {
  people: '人员',
  units: '单位',
  teams: '工作队',
  chats: '群聊',
  rules: '规则',
  checklist: '巡查清单',
} as const;

/** People are named in cells by 姓名 (or an 别名) or by userid; lists are separated by 、 , ， or ；. */
export const LIST_SEPARATOR = /[、,，;；\n]+/u;
export const ADMIN_ROLE = '组织部';
export const UNIT_KINDS = ['村', '社区', '企业', '学校', '医院', '机关'];
export const CHAT_KINDS = ['工作队', '组织部', '镇街', '单位'] as const;
/** The contact titles with a column of their own on 单位; any other title goes in 其他联系人 as 职务：姓名. */
export const CONTACT_TITLES = ['驻村第一书记', '联络员'] as const;

export const COLUMNS = {
  people: [
    { key: 'name', header: '姓名', width: 12, required: true, note: '企业微信里的显示名：群里 @ 的就是它。两人同名时群里分不清，请改其中一人的显示名。' },
    { key: 'userid', header: '企业微信账号', width: 20, required: true, note: '企业微信管理后台「通讯录」里的账号（userid），如 zhangsan。字母、数字、_ . @ -，不能有空格。' },
    { key: 'aliases', header: '别名', width: 16, note: '群里对他的其他叫法，如 罗队长、陈书记；多个用顿号（、）分隔。可不填。' },
    { key: 'phone', header: '手机号', width: 15, note: '可不填。只供组织部查找，不在群里显示。' },
    { key: 'role', header: '角色', width: 10, note: `填“${ADMIN_ROLE}”的人是管理员：看全区、交办、核验、/reload。其他人不填。` },
  ],
  units: [
    { key: 'id', header: '编号', width: 14, note: '建议填写，填了就一直用它，改名不影响历史台账。不填时按所属镇街和单位名称的拼音生成（如 福禄镇 斑竹村 → fuluzhen.banzhucun），改名或改镇街就会变。' },
    { key: 'name', header: '单位名称', width: 18, required: true, note: '责任单位的全称，如 斑竹村、区人民医院。' },
    { key: 'town', header: '所属镇街', width: 12, required: true, note: '单位所在的镇或街道，如 福禄镇。工作队按镇街包联时据此划分。' },
    { key: 'kind', header: '类别', width: 8, required: true, note: '村、社区、企业、学校、医院、机关，或本区自己的类别。工作队可按类别包联。' },
    { key: 'secretary', header: '书记', width: 12, note: '单位书记（或校长、院长、局长）：填人员表里的姓名或企业微信账号。交办、提醒时 @ 他。' },
    { key: '驻村第一书记', header: '驻村第一书记', width: 14, note: '可不填。填人员表里的姓名或账号，多人用顿号分隔：交办、提醒时与书记一起 @，也可报整改。' },
    { key: '联络员', header: '联络员', width: 12, note: '可不填。同驻村第一书记：与书记一起 @，也可报整改。' },
    { key: 'contacts', header: '其他联系人', width: 22, note: '可不填。其他职务的联系人，写“职务：姓名”，多个用顿号分隔，如 网格员：张三、会计：李四。' },
  ],
  teams: [
    { key: 'id', header: '编号', width: 10, note: '建议填写，填了就一直用它。不填时按队名的拼音生成（如 第一工作队 → diyigongzuodui），改队名就会变。' },
    { key: 'name', header: '队名', width: 14, required: true, note: '如 第一工作队。' },
    { key: 'leader', header: '队长', width: 12, required: true, note: '人员表里的姓名或账号。超期升级时 @ 队长。' },
    { key: 'members', header: '队员', width: 30, required: true, note: '人员表里的姓名或账号，多人用顿号（、）分隔。队长不必重复填。' },
    { key: 'towns', header: '包联镇街', width: 18, note: '这些镇街的全部单位归本队，多个用顿号分隔。' },
    { key: 'units', header: '包联单位', width: 18, note: '另外单独包联的单位（单位名称或编号），多个用顿号分隔。' },
    { key: 'kinds', header: '包联类别', width: 14, note: '这些类别的全部单位归本队（如 企业、学校），多个用顿号分隔。三项可同时填，取并集。' },
  ],
  chats: [
    { key: 'chatid', header: 'chatid', width: 22, required: true, note: '群聊的 chatid：把机器人拉进群后，在群里 @机器人 发 /我是谁 可看到。' },
    { key: 'kind', header: '群类型', width: 10, required: true, note: '工作队、组织部、镇街或单位：决定这个群看得到哪些问题。' },
    { key: 'scope', header: '所属', width: 16, note: '群类型为工作队时填队名，镇街时填镇街名，单位时填单位名称；组织部群不填。' },
    { key: 'webhookKey', header: '群机器人key的环境变量名', width: 26, note: '群机器人 webhook key 所在的环境变量名（如 WECOM_WEBHOOK_T1），key 本身写在 .env 里，不写进表格。不填则这个群收不到提醒推送。' },
  ],
  rules: [
    { key: 'key', header: '键', width: 34, required: true, note: '规则名（下拉可选）。不需要改的行可以删掉，删掉即用默认值。' },
    { key: 'value', header: '值', width: 26, required: true, note: '时长写 30s、10m、2h、3d、2w；时刻写 09:00；多个值用顿号分隔。' },
    { key: 'meaning', header: '说明', width: 70, note: '这一行规则的含义（只供阅读，导入时忽略）。' },
  ],
  checklist: [
    { key: 'code', header: '编号', width: 8, required: true, note: '巡查项的短编号，如 A1：群里可写 类别:A1。' },
    { key: 'name', header: '名称', width: 18, required: true, note: '巡查项名称，如 环境治理。' },
    { key: 'aliases', header: '别名', width: 30, note: '其他叫法，多个用顿号分隔。' },
  ],
} satisfies Record<keyof typeof SHEET, Column[]>;

/** How a policy value is written in a 规则 cell. */
export type RuleKind = 'text' | 'number' | 'list' | 'flow';

export interface RuleRow {
  key: string;
  kind: RuleKind;
  meaning: string;
}

const MEANINGS: Record<string, string> = {
  district: '区（县）名称，出现在通报、台账和公文里',
  deadline: '交办时没写期限时的默认整改期限',
  remindBefore: '到期前多久提醒（整天的在那天的 remindAt 时刻发）',
  remindAt: '按天提醒的发送时刻',
  digestCron: '超期汇总的发送时间（cron），每群一条',
  escalate: '超期多久升级给谁：leader 队长，admins 组织部',
  revisitAfter: '销号后多久提醒回头看',
  quietHours: '免打扰时段（这段时间不推送，顺延到结束），off 表示不设',
  bulletinCron: '每周通报发到组织部群的时间（cron）',
  quarterlyCron: '季度小结的检查时间（cron），在季度后第一个工作日发送',
  annualCron: '年度汇总的检查时间（cron）',
  yellowWithin: '三色预警：离期限不到这么久显示黄色',
  exportLinkTtl: '导出文件和下载链接的有效期',
  coverageStaleDays: '走访覆盖：多少天没走访的单位被点名',
  'scoring.teams.perUnassignedDay': '考核（工作队）：问题待交办每超一天扣分',
  'scoring.teams.perUnverifiedDay': '考核（工作队）：整改待核验每超一天扣分',
  'scoring.teams.perUnremindedDay': '考核（工作队）：超期问题每天未催办扣分',
  'scoring.teams.perLateRevisit': '考核（工作队）：每次回头看未按期扣分',
  'scoring.teams.perLateClose': '考核（工作队）：包联范围内每个问题逾期销号扣分',
  'scoring.teams.graceDays': '考核（工作队）：按天扣分前的宽限天数',
  'scoring.units.perLateClose': '考核（单位）：每个问题逾期销号扣分',
  'scoring.units.perOverdueDay': '考核（单位）：每超期一天扣分',
  'scoring.units.perRejection': '考核（单位）：整改每被驳回一次扣分',
  'scoring.units.perRelapse': '考核（单位）：回头看发现反弹每次扣分',
  'scoring.units.graceDays': '考核（单位）：按天扣分前的宽限天数',
  grades: '完成效果评价词（好在前）：词、别名、每个问题扣分',
  ratings: '群众评价词（好在前）：词、别名、每个问题扣分',
  'talkAdvice.overdueIssues': '通报建议提醒约谈：超期问题达到几个',
  'talkAdvice.overdueDays': '通报建议提醒约谈：每个超期超过几天',
  taskMaxUnits: '一次 /布置 最多下发的单位数，超过按镇街拆分',
};

function kindOf(value: unknown): RuleKind {
  if (typeof value === 'number') return 'number';
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string' || isDuration(v)) ? 'list' : 'flow';
  return 'text';
}

function isDuration(v: unknown): v is { text: string; ms: number } {
  return typeof v === 'object' && v !== null && 'text' in v && 'ms' in v;
}

function leaves(obj: Record<string, unknown>, prefix: string, out: { key: string; value: unknown }[]): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !isDuration(v)) leaves(v as Record<string, unknown>, key, out);
    else out.push({ key, value: v });
  }
}

/** One 规则 row per policy leaf, derived from policySchema's defaults so a new policy key appears by itself. */
export const RULE_ROWS: RuleRow[] = (() => {
  const out: { key: string; value: unknown }[] = [];
  leaves(policySchema.parse({}) as Record<string, unknown>, '', out);
  return [
    { key: 'district', kind: 'text' as const, meaning: MEANINGS.district! },
    ...out.map(({ key, value }) => ({ key, kind: kindOf(value), meaning: MEANINGS[key] ?? '' })),
  ];
})();

/** Writes a policy value (zod output form) the way a 规则 cell holds it. */
export function ruleCellValue(value: unknown, kind: RuleKind): string | number {
  if (value === undefined) return 'off'; // quietHours: the only optional leaf
  if (kind === 'number') return value as number;
  if (kind === 'list') return (value as unknown[]).map((v) => (isDuration(v) ? v.text : String(v))).join('、');
  if (kind === 'flow') return flowText(value);
  return isDuration(value) ? value.text : String(value);
}

/** Compact YAML flow text for an array of objects (escalate, grades, ratings). */
function flowText(value: unknown): string {
  const scalar = (v: unknown): string => (isDuration(v) ? v.text : Array.isArray(v) ? `[${v.map(scalar).join(', ')}]` : String(v));
  return `[${(value as Record<string, unknown>[])
    .map((o) => `{ ${Object.entries(o).map(([k, v]) => `${k}: ${scalar(v)}`).join(', ')} }`)
    .join(', ')}]`;
}
