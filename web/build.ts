import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

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
}

const WEB = __dirname;

export async function buildWeb(outDir: string, opts: { minify?: boolean; sourcemap?: boolean } = {}): Promise<WebBuild> {
  const assets = path.join(outDir, 'assets');
  await rm(assets, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await build({
    entryPoints: { dashboard: path.join(WEB, 'src', 'main.ts'), style: path.join(WEB, 'src', 'dashboard.css') },
    outdir: assets,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome100', 'safari15', 'firefox100'],
    minify: opts.minify ?? true,
    sourcemap: opts.sourcemap === false ? false : 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'silent',
    tsconfig: path.join(WEB, 'tsconfig.json'),
  });
  const outputs = Object.entries(result.metafile.outputs);
  const named = (entry: string, ext: string) => {
    const hit = outputs.find(([file, o]) => file.endsWith(ext) && o.entryPoint?.endsWith(entry));
    if (!hit) throw new Error(`esbuild wrote no ${ext} for ${entry}`);
    return path.basename(hit[0]);
  };
  const script = named('main.ts', '.js');
  const style = named('dashboard.css', '.css');
  const template = await readFile(path.join(WEB, 'index.html'), 'utf8');
  const html = template.replace('__STYLE__', `/dashboard/assets/${style}`).replace('__SCRIPT__', `/dashboard/assets/${script}`);
  if (html.includes('__')) throw new Error('index.html has a placeholder the build does not fill');
  await writeFile(path.join(outDir, 'index.html'), html);
  return { outDir, script, style };
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
