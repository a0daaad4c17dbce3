// `npm run restore -- <archive>`: an archive of `npm run backup` back into an empty Redis (src/backup).
import { restoreMain } from '../backup/commands';
import { runCli } from './cli-context';

runCli(restoreMain);
