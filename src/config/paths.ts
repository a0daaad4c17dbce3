import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root, found by walking up to package.json (works from src/ and dist/src/). */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${from}`);
    dir = up;
  }
  return dir;
}

/** The fictional demo organisation shipped in the repo (ORG_FILE's default). */
export function demoOrgFile(): string {
  return path.join(packageRoot(), 'src', 'config', 'demo-org.yaml');
}
