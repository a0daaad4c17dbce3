// `npm run org`: placeholder until its helper lands (issue 14).
import { runCli, CliError } from './cli-context';

runCli(async () => {
  throw new CliError('not built yet');
});
