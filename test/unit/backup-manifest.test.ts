import path from 'node:path';
import { manifestFileSchema } from '../../src/backup/manifest';
import { operatorPath } from '../../src/cli/cli-context';

const sha = 'a'.repeat(64);

describe('the manifest of a backup', () => {
  it('refuses a path that climbs out or is absolute, in Chinese', () => {
    for (const p of ['data/evidence/../../pwn.txt', '/etc/passwd', 'data//x', './data/x']) {
      const r = manifestFileSchema.safeParse({ path: p, size: 1, sha256: sha });
      expect(r.success).toBe(false);
      expect(r.error!.issues[0]!.message).toBe('路径不安全（含 .. 或绝对路径）');
    }
    expect(manifestFileSchema.safeParse({ path: 'data/evidence/x.jpg', size: 1, sha256: sha }).success).toBe(true);
  });
});

describe('operatorPath', () => {
  const saved = process.env.INIT_CWD;
  afterEach(() => {
    if (saved === undefined) delete process.env.INIT_CWD;
    else process.env.INIT_CWD = saved;
  });

  it('resolves a relative path from where the operator typed the command (npm run sets INIT_CWD)', () => {
    process.env.INIT_CWD = '/opt/duban/imports';
    expect(operatorPath('台账.xlsx')).toBe('/opt/duban/imports/台账.xlsx');
    expect(operatorPath('/srv/a.tar.gz')).toBe('/srv/a.tar.gz');
    delete process.env.INIT_CWD;
    expect(operatorPath('backups')).toBe(path.resolve('backups'));
  });
});
