import { BOT_NAME } from './app';
import { describeFlushes, type CountedApp, type Trips } from './round-trips';

/**
 * The commands whose round trips are counted (test/integration/round-trips.test.ts caps them,
 * `BENCH_ONLY=trips npm run bench` prints them), on the demo organisation, each measured twice on
 * the same kind of state. Writes act on issues made for them first, so each row is one command.
 */
export interface TripRow {
  command: string;
  kind: 'read' | 'write';
  /** The issue's target (issue 15): reads 1, writes at most 2 before the reply. */
  target: number;
  /** Both measurements, in order. */
  runs: Trips[];
}

const REPORTER = 'u_t1_m2'; // 唐建平, 第一工作队 队员
const ASSIGNEE = 'u_sec_banzhu'; // 陈晓燕, 斑竹村 第一书记 (the issues' 责任人)
const LEADER = 'u_luo'; // 罗志刚, 第一工作队 队长
const CHAT = 'CHAT_T1';

/** A Monday morning: the /延期 dates ahead of it are in the future. */
export const TRIPS_START = '2026-04-27T09:00:00+08:00';

/**
 * The app's clock (fixedClock(TRIPS_START), made by the caller): the `/status 逾期` row moves it
 * past the issues' deadlines, after every other row is measured.
 */
export interface TripsClock {
  set(at: Date | string): void;
}

/** Past every deadline the rows set (the latest, 5月20日): every issue still rectifying is overdue. */
const OVERDUE_AT = '2026-06-01T09:30:00+08:00';

export async function measureTripRows(c: CountedApp, clock: TripsClock): Promise<TripRow[]> {
  const say = (userId: string, text: string) => c.t.client.say({ userId, chatId: CHAT, text: `@${BOT_NAME} ${text}` });
  const counted = async (userId: string, text: string, expectInReply: string): Promise<{ trips: Trips; reply: string }> => {
    const { result, trips } = await c.measure(() => say(userId, text));
    // A refusal is cheap and would pass for a fast command.
    if (!result.includes(expectInReply) || result.startsWith('无权限')) throw new Error(`${text}: expected "${expectInReply}" in the reply, got: ${result}`);
    return { trips, reply: result };
  };
  const idOf = (reply: string) => {
    const m = /#(\d+)/.exec(reply);
    if (!m) throw new Error(`no issue id in: ${reply}`);
    return Number(m[1]);
  };
  const rows: TripRow[] = [];
  const row = (command: string, kind: TripRow['kind'], runs: Trips[]) => rows.push({ command, kind, target: kind === 'read' ? 1 : 2, runs });

  // Untimed: the first command of a chat and of a day writes what later ones only read.
  await say(REPORTER, '/上报 斑竹村 预热一条 期限:5个工作日内');
  // Its work after the reply must not land in the first measurement.
  await c.t.app.settled();

  const reports: Trips[] = [];
  const ids: number[] = [];
  for (let k = 0; k < 6; k++) {
    const r = await counted(REPORTER, `/上报 斑竹村 闸阀老化漏水第${k + 1}处 期限:5个工作日内`, '已登记');
    if (k < 2) reports.push(r.trips);
    ids.push(idOf(r.reply));
  }
  row('/上报', 'write', reports);

  const fixes: Trips[] = [];
  for (const id of ids.slice(0, 4)) fixes.push((await counted(ASSIGNEE, `/整改 #${id} 闸阀已更换`, '待核验')).trips);
  row('/整改', 'write', fixes.slice(0, 2));
  row('/销号', 'write', [(await counted(REPORTER, `/销号 #${ids[0]} 现场核验无误`, '已销号')).trips, (await counted(REPORTER, `/销号 #${ids[1]} 现场核验无误`, '已销号')).trips]);
  row('/驳回', 'write', [(await counted(REPORTER, `/驳回 #${ids[2]} 照片看不清`, '已驳回')).trips, (await counted(REPORTER, `/驳回 #${ids[3]} 照片看不清`, '已驳回')).trips]);
  row('/延期', 'write', [(await counted(ASSIGNEE, `/延期 #${ids[4]} 5月20日 配件未到货`, '申请延期至')).trips, (await counted(ASSIGNEE, `/延期 #${ids[5]} 5月20日 配件未到货`, '申请延期至')).trips]);

  const twice = async (userId: string, text: string, expectInReply: string) => [(await counted(userId, text, expectInReply)).trips, (await counted(userId, text, expectInReply)).trips];
  row(`/查看 #1`, 'read', await twice(LEADER, `/查看 #${ids[0]}`, `#${ids[0]}`));
  row('/status', 'read', await twice(LEADER, '/status', ''));
  row('/清单', 'read', await twice(LEADER, '/清单', `#${ids[5]}`));
  row('/我的', 'read', await twice(ASSIGNEE, '/我的', '#'));

  // /status on real data: overdue issues (its oldest five read with the figures), a department
  // task's issues (their counters and clocks count apart) and a visit (the coverage lines).
  // Measured last, as it moves the clock, and shown after /status.
  await say(LEADER, '/走访 斑竹村 三会一课:按时召开 党员管理:台账齐全 发现:公开栏未更新');
  await c.t.client.say({ userId: 'u_admin', chatId: 'CHAT_ADMIN', text: `@${BOT_NAME} /布置 开展党员大会会议记录自查 期限:5月15日 范围:福禄镇` });
  clock.set(OVERDUE_AT);
  // Untimed: the first command of the day (see above).
  await counted(LEADER, '/status', '逾期最久');
  await c.t.app.settled();
  const late = await twice(LEADER, '/status', '逾期最久');
  const shown = (await counted(LEADER, '/status', '逾期最久')).reply;
  // Not vacuous: the reply shows what the row is about.
  for (const line of ['走访覆盖', '布置任务', '逾期最久']) if (!shown.includes(line)) throw new Error(`/status 逾期: no "${line}" in: ${shown}`);
  rows.splice(rows.findIndex((r) => r.command === '/status') + 1, 0, { command: '/status 逾期', kind: 'read', target: 1, runs: late });
  return rows;
}

/** The bench's table: one line per command, its flushes on the command connection and the others'. */
export function tripTable(rows: TripRow[]): string[] {
  const out = [`${'command'.padEnd(9)} ${'trips'.padStart(5)} ${'target'.padStart(6)}  commands per round trip (| between trips) on the command connection; [other connections]`];
  for (const r of rows) {
    const first = r.runs[0]!;
    const others = Object.entries(first.others).map(([k, v]) => `${k}: ${v.length} (${describeFlushes(v)})`);
    const after = Object.entries(first.after).map(([k, v]) => `${k}: ${describeFlushes(v)}`);
    const same = r.runs.every((t) => t.command.length === first.command.length) ? '' : ` (runs differ: ${r.runs.map((t) => t.command.length).join(', ')})`;
    out.push(`${r.command.padEnd(9 - (r.command.length - [...r.command].filter((ch) => ch.charCodeAt(0) < 128).length))} ${String(first.command.length).padStart(5)} ${(r.kind === 'read' ? '1' : '≤ 2').padStart(6)}  ${describeFlushes(first.command)}${same}${others.length ? `  [${others.join('; ')}]` : ''}${after.length ? `  after the reply: ${after.join('; ')}` : ''}`);
  }
  return out;
}
