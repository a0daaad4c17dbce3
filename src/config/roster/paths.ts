/** Reading and writing nested values by a path of keys (policy's dotted 规则 keys, source-map paths). */
export type Path = (string | number)[];

export function getPath(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

export function setPath(obj: Record<string, unknown>, path: Path, value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  path.slice(0, -1).forEach((seg) => {
    if (typeof cur[seg] !== 'object' || cur[seg] === null) cur[seg] = {};
    cur = cur[seg] as Record<string | number, unknown>;
  });
  cur[path[path.length - 1]!] = value;
}
