import type { Evidence } from './issue';
import type { Unit } from './org';

/**
 * A 巡回指导 visit of a team member to a unit: who, when, the unit, what was checked and found,
 * and the fields of the unit's 巡回指导记录表 that were given. Only added, never edited; nothing
 * ever asks anyone to log one (less burden: no check-ins).
 */
export interface Visit {
  id: number;
  unitId: string;
  visitor: string;
  at: number;
  chatId: string;
  /** The record form of the unit's kind (农村, 小区, 机关 …); none for a kind without one. */
  form?: FormName;
  /** The form's fields that were given, in the form's order (plus 检查/发现/建议). */
  fields: VisitField[];
  /** Free text: the 情况 outside any field. */
  note?: string;
  evidence: Evidence[];
  /** The 巡查 round open for the unit when the visit was logged (docs/design.md §4.19). */
  roundId?: number;
}

export interface VisitField {
  name: string;
  value: string;
}

/**
 * The six 巡回指导记录表 of the field reports (进机关、进小区、进农村、进学校、进企业、进医院): which
 * unit kinds each serves and the points it asks about. Every form also has 检查 (what was
 * looked at: 查阅资料, 现场访问), 发现 (what was found) and 建议 (advice given).
 */
export const VISIT_FORMS = {
  机关: { kinds: ['机关', '部门', '机关单位'], fields: ['组织建设', '三会一课', '主题党日', '党员管理', '作风建设', '党风廉政'] },
  小区: { kinds: ['社区', '小区', '居委会'], fields: ['组织建设', '三会一课', '党员管理', '网格治理', '阵地建设', '为民服务'] },
  农村: { kinds: ['村', '农村', '行政村'], fields: ['组织建设', '三会一课', '党员管理', '阵地建设', '村务公开', '产业发展'] },
  学校: { kinds: ['学校', '中学', '小学', '幼儿园'], fields: ['组织建设', '三会一课', '党员管理', '思政教育', '师德师风'] },
  企业: { kinds: ['企业', '公司', '国有企业', '非公企业'], fields: ['组织建设', '三会一课', '党员管理', '党建融合', '职工服务'] },
  医院: { kinds: ['医院', '卫生院', '医疗机构'], fields: ['组织建设', '三会一课', '党员管理', '医德医风', '党建融合'] },
} as const satisfies Record<string, { kinds: readonly string[]; fields: readonly string[] }>;
export type FormName = keyof typeof VISIT_FORMS;
export const FORM_NAMES = Object.keys(VISIT_FORMS) as FormName[];

/** Fields on every form, first the checked, then the found, then the advice. */
export const COMMON_FIELDS = ['检查', '发现', '建议'] as const;

/** Other words people write for a field's name. */
export const FIELD_ALIASES: Readonly<Record<string, string>> = {
  检查内容: '检查',
  查看: '检查',
  查阅: '检查',
  发现问题: '发现',
  问题: '发现',
  意见: '建议',
  指导意见: '建议',
  整改建议: '建议',
  三会: '三会一课',
};

/** The form of a unit's kind (村 → 农村, 社区 → 小区), if there is one. */
export function formOf(unit: Pick<Unit, 'kind'>): FormName | undefined {
  return FORM_NAMES.find((f) => (VISIT_FORMS[f].kinds as readonly string[]).includes(unit.kind));
}

/** Every field a form accepts, in the order the record shows them. */
export function formFields(form: FormName | undefined): readonly string[] {
  return [...(form ? VISIT_FORMS[form].fields : []), ...COMMON_FIELDS];
}

/** Limits of what one visit keeps. */
export const VISIT_LIMITS = { note: 1000, fieldValue: 200 } as const;
