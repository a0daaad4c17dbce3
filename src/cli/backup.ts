// `npm run backup`: one dated archive of Redis and DATA_DIR's files while the bot runs (src/backup).
import { backupMain } from '../backup/commands';
import { runCli } from './cli-context';

runCli(backupMain);
