import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { firstViewUrls } from './src/view';

/**
 * Builds the dashboard page (web/src) into `outDir`: index.html and assets/ with content-hashed
 * names, so the server may let browsers keep the assets and a rebuild is never served stale.
 * ECharts is bundled from node_modules (the intranet has no CDN) and tree-shaken by its
 * `echarts/core` imports.
 */
export interface WebBuild {
  outDir: string;
  /** The asset file names, as index.html names them. */
  script: string;
  style: string;
  /** The ECharts module the page imports. */
  charts: string;
}

const WEB = __dirname;

export async function buildWeb(outDir: string, opts: { minify?: boolean; sourcemap?: boolean } = {}): Promise<WebBuild> {
  const assets = path.join(outDir, 'assets');
  await rm(assets, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const common = {
    outdir: assets,
    entryNames: '[name]-[hash]',
    bundle: true,
    platform: 'browser',
    target: ['chrome100', 'safari15', 'firefox100'],
    minify: opts.minify ?? true,
    sourcemap: opts.sourcemap === false ? false : 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'silent',
    tsconfig: path.join(WEB, 'tsconfig.json'),
  } satisfies BuildOptions;
  const named = (result: { metafile: Metafile }, ext: string) => {
    const hit = Object.keys(result.metafile.outputs).find((file) => file.endsWith(ext));
    if (!hit) throw new Error(`esbuild wrote no ${ext}`);
    return path.basename(hit);
  };
  // Two scripts: ECharts (the bulk) as an ES module, and the page as a classic script that runs
  // from <head> at once and takes the first view's answers (preloaded, below); it runs the
  // charts module once the figures and the 台账 are drawn (web/src/main.ts): a module would
  // wait for the whole document, and ECharts' start-up would hold the figures back.
  const [charts, style] = await Promise.all([
    build({ ...common, entryPoints: { charts: path.join(WEB, 'src', 'charts.ts') }, format: 'esm' }),
    build({ ...common, entryPoints: { style: path.join(WEB, 'src', 'dashboard.css') } }),
  ]);
  const chartsFile = named(charts, '.js');
  const page = await build({
    ...common,
    entryPoints: { dashboard: path.join(WEB, 'src', 'main.ts') },
    format: 'iife',
    define: { CHARTS_MODULE: JSON.stringify(`/dashboard/assets/${chartsFile}`) },
    external: ['/dashboard/assets/*'],
  });
  const built = { outDir, script: named(page, '.js'), style: named(style, '.css'), charts: chartsFile };
  const template = await readFile(path.join(WEB, 'index.html'), 'utf8');
  // The first view's questions and ECharts, asked by the browser as it reads <head>: the page's
  // script would ask them only once it has arrived and run. (`crossorigin`: fetch() asks in
  // cors mode, and a preload is used only by a request of the same mode.)
  const apiPreloads = Object.values(firstViewUrls()).map((url) => `<link rel="preload" as="fetch" crossorigin href="${url.replaceAll('&', '&amp;')}">`);
  const html = template
    .replace('__PRELOAD_API__', apiPreloads.join('\n'))
    .replace('__PRELOAD_CHARTS__', `<link rel="modulepreload" href="/dashboard/assets/${built.charts}">`)
    .replace('__STYLE__', `/dashboard/assets/${built.style}`)
    .replace('__SCRIPT__', `/dashboard/assets/${built.script}`);
  if (html.includes('__')) throw new Error('index.html has a placeholder the build does not fill');
  await writeFile(path.join(outDir, 'index.html'), html);
  return built;
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(WEB, '..', 'dist', 'web'));
  const started = Date.now();
  buildWeb(out).then(
    (b) => console.log(`web: ${path.relative(process.cwd(), b.outDir) || '.'} (${b.script}, ${b.style}) in ${Date.now() - started} ms`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
