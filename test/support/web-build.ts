import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWeb, type WebBuild } from '../../web/build';

let built: Promise<WebBuild> | undefined;

/**
 * The dashboard page built from web/ by the project's own build into a temporary directory,
 * once per test file (jest loads modules per file): a test never serves a stale dist/web, nor
 * races `npm run build`. Call `removeBuiltWeb()` in afterAll.
 */
export function builtWeb(): Promise<WebBuild> {
  built ??= buildWeb(mkdtempSync(path.join(os.tmpdir(), 'duban-web-')), { sourcemap: false });
  return built;
}

export async function removeBuiltWeb(): Promise<void> {
  if (!built) return;
  const { outDir } = await built;
  built = undefined;
  rmSync(outDir, { recursive: true, force: true });
}
