import type { IssueResponse } from '../../src/server/dashboard-contract';
import { byId, fill, h } from './dom';
import { deadline, minute } from './format';

/** The issue dialog: the row's fields, its photos and its whole history, all as text. */
export class IssueDialog {
  private readonly dialog = byId<HTMLDialogElement>('issue');

  constructor() {
    byId('issue-close').addEventListener('click', () => this.dialog.close());
    // A click on the backdrop (outside the dialog's box) closes it too.
    this.dialog.addEventListener('click', (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
  }

  loading(ref: string): void {
    byId('issue-title').textContent = ref;
    byId('issue-desc').textContent = '正在读取…';
    for (const id of ['issue-fields', 'issue-photos', 'issue-history']) fill(byId(id));
    if (!this.dialog.open) this.dialog.showModal();
  }

  failed(message: string): void {
    byId('issue-desc').textContent = message;
  }

  show(d: IssueResponse): void {
    const r = d.row;
    fill(byId('issue-title'), `${r.ref} ${r.stateLabel}`, r.overdue ? h('span', { class: 'late issue-late' }, lateText(r.overdueDays ?? 0)) : null);
    byId('issue-desc').textContent = r.description;
    const fields: [string, string | undefined][] = [
      ['单位', `${r.town} ${r.unit}`],
      ['工作队', r.teams.join('、') || undefined],
      ['类别', r.category],
      ['上报人', d.reporter],
      ['来源', d.source],
      ['上报时间', minute(r.createdAt)],
      ['整改期限', r.deadline === undefined ? undefined : deadline(r)],
      ['逾期', r.overdue ? lateText(r.overdueDays ?? 0) : undefined],
      ['责任人', r.assignee],
      ['布置任务', r.task],
      ['整改说明', d.fixNote],
      ['整改人', d.fixedBy],
      ['核验意见', d.verifyNote],
      ['回访', d.revisitNote],
      ['退回原因', d.rejectReasons.length ? d.rejectReasons.join('；') : undefined],
      ['等级', d.grade],
      ['群众评价', d.rating],
    ];
    fill(byId('issue-fields'), ...fields.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    fill(
      byId('issue-photos'),
      ...(d.photos.length ? d.photos.map((p, i) => photo(p, i + 1)) : [h('p', { class: 'muted' }, '暂无照片')]),
    );
    fill(
      byId('issue-history'),
      ...d.history.map((e) =>
        h(
          'li',
          {},
          h('time', { attrs: { datetime: new Date(e.at).toISOString() } }, minute(e.at)),
          h('span', { class: 'actor' }, e.actor),
          h('span', { class: 'action' }, e.action),
          e.from ? h('span', { class: 'move' }, `${e.from} → ${e.to}`) : h('span', { class: 'move' }, e.to),
          e.note ? h('span', { class: 'note' }, e.note) : null,
        ),
      ),
    );
  }
}

/** As /查看 says it: "已逾期 2 天"; a deadline passed earlier today is overdue too. */
function lateText(days: number): string {
  return days > 0 ? `已逾期 ${days} 天` : '已逾期（今天到期）';
}

const KINDS: Record<string, string> = { image: '照片', photo: '照片', file: '附件', video: '视频' };

/** A kept photo with its signed link; one being saved, not kept (with the reason), or kept without a link here, as its line alone. */
function photo(p: IssueResponse['photos'][number], n: number): HTMLElement {
  const label = `${KINDS[p.kind] ?? p.kind} ${n} · ${minute(p.at)}`;
  if (!p.url) {
    const words = p.status === 'stored' ? '（已保存）' : p.status === 'saving' ? '（保存中）' : `（未保存${p.note ? `：${p.note}` : ''}）`;
    return h('span', { class: 'photo photo-none' }, label, h('span', {}, words));
  }
  // A kept PDF is a link (it downloads); a kept image shows itself.
  const isImage = p.type === 'jpeg' || p.type === 'png';
  return h(
    'a',
    { class: 'photo', attrs: { href: p.url, target: '_blank', rel: 'noopener' } },
    isImage ? h('img', { attrs: { src: p.url, alt: label, loading: 'lazy' } }) : null,
    h('span', {}, label),
  );
}
