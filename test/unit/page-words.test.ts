import { joinPageWords } from '../../src/parsing/page-words';

/** A page written in pieces reads as one page word; other words stay as they are. */
const tok = (s: string) => s.split(' ').map((w) => ({ raw: w, norm: w }));
const norms = (s: string) => joinPageWords(tok(s)).map((t) => t.norm);

it.each([
  ['第 2 页', ['第2页']],
  ['第 2页', ['第2页']],
  ['第2 页', ['第2页']],
  ['2 页', ['2页']],
  ['page 3', ['page3']],
  ['p 3', ['p3']],
  ['福禄镇 第 2 页 本月', ['福禄镇', '第2页', '本月']],
  ['第二 页', ['第二', '页']],
  ['第 页', ['第', '页']],
])('%s', (text, want) => {
  expect(norms(text)).toEqual(want);
});
