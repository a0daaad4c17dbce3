import { policySchema } from '../../src/config/org-schema';
import { parseArgs } from '../../src/parsing/args';
import { findScaleWord, nearScaleWords, readScaleWord, splitGlued, splitValue } from '../../src/parsing/scale';
import { UsageError } from '../../src/pipeline/errors';
import { takeScaleWord, type ScaleSpec } from '../../src/pipeline/scale-field';

/** 完成效果 and 群众评价 typed the sloppy way (docs/design.md §4.16), on the default scales. */
const { grades, ratings } = policySchema.parse({});
const withAliases = [
  { word: '好', aliases: ['优'], deduct: 0 },
  { word: '较好', aliases: ['良'], deduct: 0 },
  { word: '一般', aliases: [], deduct: 0.5 },
  { word: '差', aliases: ['较差'], deduct: 2 },
];

describe('findScaleWord', () => {
  it.each<[string, string | undefined]>([
    ['好', '好'],
    ['较好', '较好'],
    ['較好', '较好'], // Traditional
    ['较好，', '较好'], // the comma that ends the clause
    ['“一般”。', '一般'],
    ['：差', '差'],
    [' 一般 ', '一般'],
    ['优', '好'], // an alias
    ['良！', '较好'],
    ['好了', undefined],
    ['好的', undefined], // a reply, not a grade
    ['很好', '好'],
    ['', undefined],
    ['，', undefined],
  ])('%j → %j', (typed, word) => {
    expect(findScaleWord(withAliases, typed)?.word).toBe(word);
  });

  it.each<[string, string | undefined]>([
    // A strong degree is the word itself.
    ['很好', '好'],
    ['非常好', '好'],
    ['特别好', '好'],
    ['挺好的', '好'],
    ['很差', '差'],
    ['很一般', '一般'],
    // A moderate degree lowers the best word one step and leaves the others.
    ['比较好', '较好'],
    ['还比较好', '较好'],
    ['较差', '差'],
    ['比较差', '差'],
    // The best word negated: its 不… word when the scale has one, else the last.
    ['不太好', '差'],
    ['不怎么好', '差'],
    ['很不好', '差'],
    ['不太差', undefined], // no step of the scale
    ['不错', undefined],
    ['好好', undefined],
  ])('grade degree %j → %j', (typed, word) => {
    expect(findScaleWord(grades, typed)?.word).toBe(word);
  });

  it.each<[string, string | undefined]>([
    ['很满意', '满意'],
    ['非常满意', '满意'],
    ['都很满意', '满意'],
    ['普遍比较满意', '基本满意'],
    ['比较满意', '基本满意'],
    ['还算满意', '基本满意'],
    ['基本上满意', '基本满意'],
    ['不太满意', '不满意'],
    ['很不满意', '不满意'],
    ['满意度高', undefined],
  ])('rating degree %j → %j', (typed, word) => {
    expect(findScaleWord(ratings, typed)?.word).toBe(word);
  });

  it('reads degrees against a district’s own scale by its order', () => {
    const own = [
      { word: '优秀', aliases: [], deduct: 0 },
      { word: '良好', aliases: [], deduct: 0 },
      { word: '不合格', aliases: [], deduct: 2 },
    ];
    expect(['非常优秀', '比较优秀', '不太优秀', '比较良好'].map((t) => findScaleWord(own, t)?.word)).toEqual(['优秀', '良好', '不合格', '良好']);
  });

  it('folds full-width letters of an English alias and its case', () => {
    const scale = [{ word: '好', aliases: ['Good'], deduct: 0 }, { word: '差', aliases: [], deduct: 1 }];
    expect(findScaleWord(scale, 'ＧＯＯＤ')?.word).toBe('好');
  });

  it('never matches an Object member', () => {
    expect(findScaleWord(grades, 'constructor')).toBeUndefined();
    expect(findScaleWord(grades, '__proto__')).toBeUndefined();
  });
});

describe('nearScaleWords: did you mean', () => {
  it.each<[string, string[]]>([
    ['很好', ['好', '较好']], // one character off each
    ['教好', ['较好']], // the same sound (jiao hao): the IME slip alone
    ['很差', ['差']],
    ['一班', ['一般']], // yi ban, the same sound
    ['坏', []], // one character replaced entirely says nothing
    ['非常好', []],
  ])('%j → %j', (typed, words) => {
    expect(nearScaleWords(grades, typed).map((w) => w.word)).toEqual(words);
  });

  it('offers the nearest ratings', () => {
    expect(nearScaleWords(ratings, '很满意').map((w) => w.word)).toEqual(['满意', '不满意']);
    expect(nearScaleWords(ratings, '基本满足').map((w) => w.word)).toEqual(['基本满意']);
  });
});

describe('readScaleWord', () => {
  it('names the scale and the nearest words when the word is not in it', () => {
    expect(readScaleWord(grades, '好好', '完成效果')).toEqual({ ok: false, error: '完成效果没有“好好”这一档，可选：好、较好、一般、差。是不是“好”或“较好”？' });
    expect(readScaleWord(grades, '明显', '完成效果')).toEqual({ ok: false, error: '完成效果没有“明显”这一档，可选：好、较好、一般、差。' });
    expect(readScaleWord(ratings, '', '群众评价')).toEqual({ ok: false, error: '请写明群众评价：满意、基本满意、不满意' });
  });

  it('quotes a long word back clipped and inert', () => {
    const r = readScaleWord(grades, `**${'很'.repeat(100)}**`, '完成效果');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.length).toBeLessThan(80);
  });
});

describe('splitValue and splitGlued', () => {
  const token = (raw: string) => parseArgs(raw).words[0]!;

  it('splits a value at its first clause mark, keeping the rest as typed', () => {
    expect(splitValue('好，閘閥運行正常')).toEqual({ head: '好', rest: { raw: '閘閥運行正常', norm: '闸阀运行正常' } });
    expect(splitValue('较好，')).toEqual({ head: '较好' });
    expect(splitValue('一般')).toEqual({ head: '一般' });
  });

  it.each<[string, { key: string; head: string; rest?: string } | undefined]>([
    ['效果好', { key: '效果', head: '好' }],
    ['效果較好', { key: '效果', head: '较好' }],
    ['完成效果一般', { key: '完成效果', head: '一般' }],
    ['效果好，现场核验', { key: '效果', head: '好', rest: '现场核验' }],
    ['效果', undefined],
    ['效果，', undefined],
    ['核验效果好', undefined],
  ])('%j', (raw, expected) => {
    const g = splitGlued(token(raw), ['效果', '完成效果']);
    expect(g && { key: g.key, head: g.head, ...(g.rest ? { rest: g.rest.raw } : {}) }).toEqual(expected);
  });
});

describe('takeScaleWord: where a command finds the word', () => {
  const grade: ScaleSpec = { field: '完成效果', scale: grades, strictKeys: ['完成效果', '效果'], example: '/销号 #12 效果:好' };
  const rating: ScaleSpec = { field: '群众评价', scale: ratings, strictKeys: ['群众评价', '评价', '满意度'], looseKeys: ['群众'], example: '/回访 #12 正常 评价:满意' };
  const take = (text: string, spec = grade) => {
    const args = parseArgs(text, { bareRef: true });
    const r = takeScaleWord(spec === grade ? args.fields.grade : args.fields.rating, args.words, spec);
    return { word: r.word?.word, note: r.words.map((w) => w.raw).join(' ') };
  };
  const refusal = (text: string, spec = grade) => {
    try {
      take(text, spec);
    } catch (e) {
      if (e instanceof UsageError) return `${e.message} | ${e.example}`;
      throw e;
    }
    throw new Error(`not refused: ${text}`);
  };

  it.each<[string, string | undefined, string]>([
    ['#12 效果:好 现场核验，闸阀运行正常', '好', '现场核验，闸阀运行正常'],
    ['#12 效果：较好，', '较好', ''],
    ['#12 效果:较好，现场核验', '较好', '现场核验'],
    ['#12 完成效果：一般 部分整改', '一般', '部分整改'],
    ['#12 效果: 差', '差', ''],
    ['#12 效果較好', '较好', ''],
    ['#12 效果好，闸阀运行正常', '好', '闸阀运行正常'],
    ['#12 效果一般 还需巩固', '一般', '还需巩固'],
    ['#12 好', '好', ''],
    ['#12 一般 部分到位', '一般', '部分到位'],
    ['#12 好了，现场看过', undefined, '好了，现场看过'],
    ['#12 好，已核验', undefined, '好，已核验'],
    ['#12 现场核验 效果好', undefined, '现场核验 效果好'], // only the first word
    ['#12 现场核验', undefined, '现场核验'],
    ['#12', undefined, ''],
    ['#12 效果很好', '好', ''], // degrees read as the scale's words (§4.16)
    ['#12 效果:非常好，闸阀运行正常', '好', '闸阀运行正常'],
    ['#12 效果比较好', '较好', ''],
    ['#12 很好', '好', ''],
    ['#12 效果 较好 现场核验', '较好', '现场核验'], // the key as a word of its own
  ])('%j → %j + %j', (text, word, note) => {
    expect(take(text)).toEqual({ word, note });
  });

  it('refuses a grade word not in the scale, with the scale and a guess', () => {
    expect(refusal('#12 效果:好好')).toBe('完成效果没有“好好”这一档，可选：好、较好、一般、差。是不是“好”或“较好”？ | /销号 #12 效果:好');
    expect(refusal('#12 效果超棒 闸阀正常')).toContain('完成效果没有“超棒”这一档');
    expect(refusal('#12 效果 明显')).toContain('完成效果没有“明显”这一档');
    expect(refusal('#12 效果:教好')).toContain('是不是“较好”？');
    expect(refusal('#12 效果明显，群众认可')).toBe('完成效果没有“明显”这一档，可选：好、较好、一般、差。 | /销号 #12 效果:好');
    expect(refusal('#12 效果:')).toBe('请写明完成效果：好、较好、一般、差 | /销号 #12 效果:好');
  });

  it.each<[string, string | undefined, string]>([
    ['评价:满意 保持良好', '满意', '保持良好'],
    ['群众满意', '满意', ''],
    ['群众基本满意，要求加固', '基本满意', '要求加固'],
    ['不满意 又开始渗水', '不满意', '又开始渗水'],
    ['群众评价：不满意', '不满意', ''],
    ['群众反映又漏水', undefined, '群众反映又漏水'], // 群众 begins a note
    ['满意度:基本满意', '基本满意', ''],
    ['群众都很满意', '满意', ''],
    ['群众非常满意，点赞', '满意', '点赞'],
    ['群众比较满意', '基本满意', ''],
    ['群众不太满意', '不满意', ''],
    ['群众 都很满意', '满意', ''],
    ['群众 反映又漏水', undefined, '群众 反映又漏水'],
    ['很满意 保持', '满意', '保持'],
  ])('rating %j → %j + %j', (text, word, note) => {
    expect(take(text, rating)).toEqual({ word, note });
  });

  it('refuses a rating word not in the scale after its own key', () => {
    expect(refusal('评价:还可以', rating)).toBe('群众评价没有“还可以”这一档，可选：满意、基本满意、不满意。 | /回访 #12 正常 评价:满意');
    expect(refusal('评价满足', rating)).toContain('是不是“满意”？');
  });
});
