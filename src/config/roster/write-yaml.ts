import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { formatPath } from '../org-file';

/**
 * The organisation file as YAML, for `npm run org -- import`: the layout of the demo file (one
 * line per person, unit, team and chat), a comment per section and each line's source row, so an
 * admin who reads the YAML finds the roster row it came from.
 */
const SECTIONS: Record<string, string> = {
  admins: '组织部（管理员）：人员表里角色填“组织部”的人',
  people: '人员：name 是企业微信里的显示名，群里 @ 的就是它',
  units: '单位（责任单位）',
  teams: '工作队：towns / units / kinds 包联的镇街、单位、类别',
  chats: '群聊：webhookKey 为 env:变量名，key 本身在 .env 里',
  checklist: '巡查清单',
  policy: '规则：时长写 30s、10m、2h、3d、2w',
};

export function orgYaml(raw: Record<string, unknown>, sources: ReadonlyMap<string, string>, origin: string): string {
  const doc = new Document(raw);
  doc.commentBefore = ` 由 ${origin} 生成（npm run org -- import）。改花名册后重新导入，或直接改这个文件。`;
  const root = doc.contents as YAMLMap<unknown, unknown>;
  for (const pair of root.items) {
    const key = String((pair.key as { value?: unknown }).value ?? pair.key);
    const keyNode = pair.key as { commentBefore?: string; spaceBefore?: boolean };
    if (SECTIONS[key]) {
      keyNode.commentBefore = ` ${SECTIONS[key]}`;
      keyNode.spaceBefore = true;
    }
    const value = pair.value;
    if (key === 'admins' && isSeq(value)) value.flow = true;
    if (key === 'policy') flowLists(value);
    if (['people', 'units', 'teams', 'chats', 'checklist'].includes(key) && isSeq(value)) {
      (value as YAMLSeq<unknown>).items.forEach((item, i) => {
        if (!isMap(item)) return;
        item.flow = true;
        const where = sources.get(formatPath([key, i]));
        if (where) item.comment = ` ${where.replace(/!([A-Z]+)(\d+)$/, ' 第$2行')}`;
      });
    }
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

/** Policy lists on one line each (remindBefore: [ 3d, 1d, 0d ]), as the demo file writes them. */
function flowLists(node: unknown): void {
  if (isSeq(node)) node.flow = true;
  else if (isMap(node)) for (const pair of node.items) flowLists(pair.value);
}
