import { readdirSync } from 'node:fs';
import path from 'node:path';
import { SCRIPT_FILES } from '../../src/store/scripts';

describe('the script registry (src/store/scripts.ts)', () => {
  it('names every Lua file once, so each is defined when a client is made', () => {
    const files = readdirSync(path.join(__dirname, '..', '..', 'src', 'store', 'lua')).filter((f) => f.endsWith('.lua')).sort();
    expect([...SCRIPT_FILES].sort()).toEqual(files);
  });
});
