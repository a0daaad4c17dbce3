// `npm run worker`: the outbound sender, the timers and the calendar ticks without HTTP, for scale-out.
process.env.TZ ??= 'Asia/Shanghai';

import { main } from './main';
import { ExitCode } from './exit-codes';

main('worker').catch((err) => {
  process.stderr.write(`duban worker: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(ExitCode.unexpected);
});
