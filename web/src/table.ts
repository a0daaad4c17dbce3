import type { MeResponse, TableResponse, TableRow } from '../../src/server/dashboard-contract';
import { byId, fill, h, options } from './dom';
import { deadline, overdueText } from './format';
import type { Filters } from './view';

/** The columns; `key` names each cell (class c-key), which the phone's card layout places. */
const COLUMNS: { key: string; label: string; cell: (r: TableRow) => Node | string }[] = [
  // A 布置 task's issue is marked: the department's work given, not a problem found (the note
  // under the table says why the total is more than 发现).
  { key: 'ref', label: '编号', cell: (r) => ref(r) },
  { key: 'desc', label: '问题', cell: (r) => h('span', { class: 'desc' }, r.description) },
  { key: 'unit', label: '单位', cell: (r) => r.unit },
  { key: 'town', label: '镇街', cell: (r) => r.town },
  { key: 'category', label: '类别', cell: (r) => r.category ?? '—' },
  { key: 'state', label: '状态', cell: (r) => h('span', { class: `state state-${r.state}` }, r.stateLabel) },
  { key: 'deadline', label: '期限', cell: (r) => deadline(r) },
  // Overdue since this morning is overdue (the 逾期 figure counts it): "今天逾期", never "—".
  { key: 'late', label: '逾期', cell: (r) => (r.overdue ? h('span', { class: `late${r.overdueDays ? '' : ' late-today'}` }, overdueText(r.overdueDays ?? 0)) : '—') },
  { key: 'assignee', label: '责任人', cell: (r) => r.assignee ?? '—' },
];

function ref(r: TableRow): Node {
  const span = h('span', { class: `ref warn-${r.warning ?? 'none'}` }, r.ref);
  if (!r.task) return span;
  const cell = document.createDocumentFragment();
  cell.append(span, h('span', { class: 'task-tag', attrs: { title: `布置任务 ${r.task}` } }, r.task));
  return cell;
}

/** The 台账: its filter form, the rows and the pager. Rows open the issue through `onOpen`. */
export class Ledger {
  private readonly form = byId<HTMLFormElement>('filters');
  private readonly body = byId<HTMLTableElement>('issues').tBodies[0]!;
  private readonly prev = byId<HTMLButtonElement>('prev');
  private readonly next = byId<HTMLButtonElement>('next');
  private readonly info = byId('page-info');
  private readonly toggle = byId<HTMLButtonElement>('filters-toggle');
  private units: MeResponse['choices']['units'] = [];

  constructor(
    private readonly filters: Filters,
    private readonly onChange: () => void,
    private readonly onOpen: (id: number) => void,
  ) {
    this.form.addEventListener('change', (e) => {
      const t = e.target as HTMLInputElement | HTMLSelectElement;
      if (t.name === 'q') return; // searched on input, below
      if (t.name === 'town') this.offerUnits(t.value);
      this.read();
    });
    let typing: number | undefined;
    const q = this.form.elements.namedItem('q') as HTMLInputElement;
    q.addEventListener('input', () => {
      window.clearTimeout(typing);
      typing = window.setTimeout(() => this.read(), 300);
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      window.clearTimeout(typing);
      this.read();
    });
    // A phone shows the search alone until asked: eight filters are a screen of their own.
    this.toggle.addEventListener('click', () => {
      const open = this.form.classList.toggle('folded') === false;
      this.toggle.setAttribute('aria-expanded', String(open));
      this.name();
    });
    this.prev.addEventListener('click', () => this.turn(-1));
    this.next.addEventListener('click', () => this.turn(1));
    this.body.addEventListener('click', (e) => this.rowEvent(e));
    this.body.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') this.rowEvent(e);
    });
  }

  offer(choices: MeResponse['choices']): void {
    const sel = (name: string) => this.form.elements.namedItem(name) as HTMLSelectElement;
    options(sel('state'), choices.states.map((s) => ({ value: s.key, label: s.label })));
    options(sel('town'), choices.towns.map((t) => ({ value: t, label: t })));
    options(sel('team'), choices.teams.map((t) => ({ value: t.id, label: t.name })));
    options(sel('category'), choices.categories.map((c) => ({ value: c.code, label: c.name })));
    this.units = choices.units;
    this.offerUnits('');
    // One town or one team is no choice: hide the filter rather than offer one option.
    sel('town').closest('label')!.hidden = choices.towns.length < 2;
    sel('team').closest('label')!.hidden = choices.teams.length < 2;
  }

  private offerUnits(town: string): void {
    const sel = this.form.elements.namedItem('unit') as HTMLSelectElement;
    const units = this.units.filter((u) => !town || u.town === town);
    options(sel, units.map((u) => ({ value: u.id, label: town ? u.name : `${u.town} ${u.name}` })));
  }

  private read(): void {
    const data = new FormData(this.form);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const [sort, order] = text('sort').split('|') as [Filters['sort'], Filters['order']];
    Object.assign(this.filters, {
      state: text('state'),
      town: text('town'),
      unit: text('unit'),
      team: text('team'),
      overdue: text('overdue'),
      category: text('category'),
      q: text('q'),
      sort,
      order,
      page: 1,
    });
    this.name();
    this.onChange();
  }

  /** The fold's button says how many filters apply, so a folded form hides none of them. */
  private name(): void {
    const f = this.filters;
    const set = [f.state, f.town, f.unit, f.team, f.overdue, f.category].filter((v) => v).length;
    const open = !this.form.classList.contains('folded');
    this.toggle.textContent = open ? '收起筛选' : set ? `筛选和排序（${set}）` : '筛选和排序';
  }

  private turn(by: number): void {
    this.filters.page = Math.max(1, this.filters.page + by);
    this.onChange();
  }

  private rowEvent(e: Event): void {
    const row = (e.target as Element).closest('tr[data-id]');
    if (!row) return;
    e.preventDefault();
    this.onOpen(Number(row.getAttribute('data-id')));
  }

  render(data: TableResponse): void {
    const pages = Math.max(1, Math.ceil(data.total / data.size));
    if (!data.rows.length) {
      fill(this.body, h('tr', { class: 'none' }, h('td', { attrs: { colspan: String(COLUMNS.length) } }, '没有符合条件的问题')));
    } else {
      fill(
        this.body,
        ...data.rows.map((r) =>
          h(
            'tr',
            { attrs: { 'data-id': String(r.id), tabindex: '0', title: `查看 ${r.ref}` } },
            ...COLUMNS.map((c) => {
              const content = c.cell(r);
              return h('td', { class: `c-${c.key}${content === '—' ? ' c-none' : ''}`, attrs: { 'data-label': c.label } }, content);
            }),
          ),
        ),
      );
    }
    this.info.textContent = `第 ${data.page} / ${pages} 页，共 ${data.total} 条`;
    this.prev.disabled = data.page <= 1;
    this.next.disabled = data.page >= pages;
  }

  loading(): void {
    this.body.classList.add('loading');
  }

  loaded(): void {
    this.body.classList.remove('loading');
  }
}
