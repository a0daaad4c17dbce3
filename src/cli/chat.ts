// The terminal client speaks Asia/Shanghai like the server.
process.env.TZ ??= 'Asia/Shanghai';

import path from 'node:path';
import { parseArgs } from 'node:util';
import readline from 'node:readline';
import { resolveCredentials } from '../config/credentials';
import { ConfigError, loadDotEnv, loadEnv } from '../config/env';
import { loadOrgFile } from '../config/org-file';
import { demoOrgFile } from '../config/paths';
import type { Membership, Org } from '../domain/org';
import { peopleIndex } from '../parsing/people';
import { embeddedRedisUrl } from '../store/embedded-redis';
import { createKeys } from '../store/keys';
import { CallbackClient } from '../wecom/callback-client';
import type { TemplateCard } from '../transport/template-card';
import { CardBook, parseClick } from './card-book';
import { cardShare, type SharedCard } from './card-share';
import { cardLines } from './card-view';
import { DemoPhotos } from './demo-photos';
import { serveFollowUps } from './follow-ups';
import { watchPushes, type LinkEvent, type SeenPush } from './push-watch';
import { plainScreen, promptScreen } from './screen';

const USAGE = `用法: npm run chat -- --as <姓名或userid> [--chat <chatid> | --single] [--watch] [--url http://127.0.0.1:3000]
例如: npm run chat -- --as 罗志刚 --chat CHAT_T1

输入的每一行都作为 “@督办助手 <这一行>” 发到群里。另外：
  > #12 已整改，闸阀已更换    引用机器人关于 #12 的消息来回复（企业微信里的“引用”）
  [图片]                      在这一行里附一张照片（图文混排），可以写多个；照片是本程序提供的
                              示例图（真实的 JPEG，按企业微信的方式加密），服务会下载保存
  !1 或 点1                   点最近一张卡片的第 1 个按钮（卡片的按钮带编号显示在回复下面）
  !1 #13                      点关于 #13 的最近一张卡片的第 1 个按钮
群里的卡片人人可见、可点：群里其他人收到的卡片也会显示在这里（“—— 卡片 ——”），
点按钮算作你本人点的。群里的推送（到期提醒、逾期通报、催办）会随时显示。
--watch 只看推送和卡片、不输入。`;

/**
 * `npm run chat`: a person of the org talking to the running bot in a group (or single chat),
 * over the real encrypted callback protocol. Each line you type becomes "@<bot> <line>".
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      as: { type: 'string' },
      chat: { type: 'string' },
      single: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.as) {
    process.stdout.write(USAGE + '\n');
    process.exit(values.help ? 0 : 2);
  }
  loadDotEnv();
  const env = loadEnv();
  const org = await loadOrgFile(env.ORG_FILE ?? demoOrgFile());
  const credentials = await resolveCredentials(env, { create: false });

  const person = peopleIndex(org).find(values.as);
  if (!person) {
    process.stderr.write(`“${values.as}”不在组织名册中。可以试试：${org.people.slice(0, 5).map((p) => p.name).join('、')}\n`);
    process.exit(2);
  }
  const membership = org.membership(person.userid);
  const chatId = values.single ? undefined : (values.chat ?? defaultChat(org, membership));
  if (chatId && !org.chat(chatId)) process.stderr.write(`注意：群 ${chatId} 不在组织文件中。\n`);
  const client = new CallbackClient(values.url ?? `http://127.0.0.1:${env.PORT || 3000}`, credentials.token, credentials.encodingAESKey);
  const bot = env.WECOM_BOT_NAMES[0] ?? '督办助手';
  const where = chatId ? `群 ${chatId}` : '单聊';
  const interactive = process.stdin.isTTY;
  if (values.watch && !chatId) {
    process.stderr.write('单聊没有群推送：--watch 要看一个群，例如 --chat CHAT_T1。\n');
    process.exit(2);
  }

  // Cards shared by the other terminals are read from this moment on (stream ids are ms).
  const since = Date.now();
  const streams = { out: process.stdout, err: process.stderr };
  const rl = values.watch
    ? undefined
    : readline.createInterface({ input: process.stdin, output: process.stdout, terminal: interactive, prompt: `${person.name}> ` });
  const screen = rl && interactive ? promptScreen(rl, streams) : plainScreen(streams);
  if (values.watch) screen.print(`以 ${person.name}（${person.userid}）身份看${where} 的群推送，Ctrl-C 退出。\n`);
  else if (interactive) screen.print(`以 ${person.name}（${person.userid}）身份在${where}里和 @${bot} 对话。输入命令，例如 /帮助；Ctrl-D 退出。\n`);

  // Pushes reach the demo's chats through the local sink (a Redis stream), shown as they arrive.
  const redisUrl = env.REDIS_URL ?? embeddedRedisUrl(path.join(env.DATA_DIR, 'redis'));
  const keys = createKeys(env.REDIS_KEY_PREFIX);
  const stopWatching =
    chatId && (interactive || values.watch)
      ? watchPushes(
          redisUrl,
          keys.pushes,
          chatId,
          (p) => screen.print(pushText(org, p)),
          (e) => screen.print(`（看不到群推送：${e.message}）\n`, 'err'),
          (l) => screen.print(`${LINK_NOTICES[l]}\n`, 'err'),
        )
      : undefined;

  // `!n` clicks the cards shown here: this terminal's replies' and, in a group, the other
  // terminals' (a WeCom group sees every card in it), each followed by the updates clicks bring.
  const book = new CardBook();
  const share = chatId
    ? cardShare(
        redisUrl,
        keys.chatCards,
        chatId,
        since,
        (c) => {
          book.seen(c.card);
          screen.print(sharedCardText(org, c, !values.watch));
        },
        (e) => screen.print(`（看不到群里其他人的卡片：${e.message}）\n`, 'err'),
      )
    : undefined;
  const sharing = new Set<Promise<void>>();
  const shareCard = (c: Omit<SharedCard, 'client' | 'at' | 'chat'>) => {
    if (!share || !chatId) return;
    const p = share
      .share({ ...c, chat: chatId })
      .catch((err: Error) => screen.print(`（这张卡片没能显示到群里其他终端：${err.message}）\n`, 'err'))
      .finally(() => sharing.delete(p));
    sharing.add(p);
  };
  if (!rl) return;

  // A click's words besides the card update (a question, a refusal, /查看) reach WeCom's
  // response_url; here a local endpoint stands in for it and prints them as they arrive. The
  // same server serves the photos of `[图片]`, encrypted as WeCom's media links are.
  const photos = new DemoPhotos(credentials.encodingAESKey);
  const followUps = await serveFollowUps((markdown) => screen.print(`—— 按钮的回复 ——\n${markdown}\n\n`), photos);
  const photoUrl = () => `${followUps.origin}${photos.add()}`;
  screen.prompt();
  let failures = 0;
  for await (const line of rl) {
    screen.busy();
    const text = line.trim();
    const click = parseClick(text);
    if (click !== undefined) {
      const picked = book.pick(click);
      if ('refusal' in picked) {
        screen.print(`${picked.refusal}\n`, 'err');
      } else {
        const { card, button } = picked;
        try {
          const update = await client.click({ userId: person.userid, ...(chatId ? { chatId } : {}), taskId: card.task_id, eventKey: button.key, responseUrl: followUps.url() });
          if (update) {
            // WeCom keeps the clicked card's task_id on an update.
            const updated: TemplateCard = { ...update, task_id: card.task_id };
            book.seen(updated);
            shareCard({ kind: 'update', card: updated, who: person.userid, button: button.text });
          }
          screen.print(update ? `（卡片已更新）\n${cardLines(update)}\n\n` : `（点了“${button.text}”，卡片未变）\n\n`);
        } catch (err) {
          failures++;
          screen.print(`${sendFailure(err as Error)}\n`, 'err');
        }
      }
    } else if (text) {
      try {
        const { body, quote, images } = readLine(text, photoUrl);
        const answer = await client.converse({
          userId: person.userid,
          text: chatId ? `@${bot} ${body}` : body,
          ...(chatId ? { chatId } : {}),
          ...(quote ? { quote } : {}),
          ...(images.length ? { images } : {}),
        });
        if (answer.card) {
          book.seen(answer.card);
          shareCard({ kind: 'card', card: answer.card, who: person.userid });
        }
        screen.print(`${answer.markdown}\n${answer.card ? `${cardLines(answer.card)}\n` : ''}\n`);
      } catch (err) {
        failures++;
        screen.print(`${sendFailure(err as Error)}\n`, 'err');
      }
    }
    screen.prompt();
  }
  // Piped input ends right after the last reply: the server's download of its photos (a job)
  // and the shared cards may still be on their way.
  await Promise.all(sharing);
  if (!(await photos.allFetched(PHOTO_WAIT_MS))) screen.print(`（还有 ${photos.waiting()} 张照片督办服务没来得及下载，程序就退出了：这些照片会记为未保存）\n`, 'err');
  stopWatching?.();
  share?.stop();
  await followUps.close();
  process.exitCode = failures ? 1 : 0;
}

/** One line per change of the push connection; the retries in between say nothing. */
const LINK_NOTICES: Record<LinkEvent, string> = {
  unreachable: '（还连不上督办服务，群推送暂时看不到，正在重试…；服务是否已用 make run 启动？）',
  lost: '（与督办服务的连接断开，正在重连…）',
  back: '（已连上督办服务，群推送会继续显示）',
};

/** How long a client that is done waits for the server to fetch the photos it sent. */
const PHOTO_WAIT_MS = 15_000;

/** Another terminal's card, or the update another person's click brought. */
function sharedCardText(org: Org, c: SharedCard, clickable: boolean): string {
  const who = org.person(c.who)?.name ?? c.who;
  const head = c.kind === 'card' ? `—— 卡片 ——　${who} 的消息的回复` : `—— 卡片已更新 ——　${who} 点了“${c.button ?? '按钮'}”`;
  return `\n${head}\n${cardLines(c.card, clickable)}\n\n`;
}

function pushText(org: Org, p: SeenPush): string {
  const who = p.mentions.map((u) => `@${org.person(u)?.name ?? u}`).join(' ');
  return `\n—— 群机器人推送 ——\n${p.content}${who ? `\n${who}` : ''}\n\n`;
}

/** "> #12 text" quotes the bot's message about #12; each "[图片]" attaches a photo (a link from `photoUrl`). */
function readLine(line: string, photoUrl: () => string): { body: string; quote?: string; images: string[] } {
  const images: string[] = [];
  let body = line.replace(/\[(图片|照片|image)\]/giu, () => {
    images.push(photoUrl());
    return ' ';
  });
  const q = /^>\s*([#＃]\d+)\s*([\s\S]*)$/u.exec(body.trim());
  if (!q) return { body: body.trim(), images };
  body = q[2]!.trim();
  return { body, quote: `督办助手：${q[1]} 的消息`, images };
}

/** The chat a person would naturally be in: their team's, their unit's team's, or the admin chat. */
function defaultChat(org: Org, m: Membership): string | undefined {
  const team = m.memberOf[0];
  if (team) return org.chats.find((c) => c.scope.kind === 'team' && c.scope.teamId === team.id)?.chatid;
  const unit = m.secretaryOf[0] ?? m.contactOf[0];
  if (unit) {
    const t = org.teamsCovering(unit.id)[0];
    if (t) return org.chats.find((c) => c.scope.kind === 'team' && c.scope.teamId === t.id)?.chatid;
  }
  if (m.roles.includes('admin')) return org.chats.find((c) => c.scope.kind === 'admin')?.chatid;
  return org.chats[0]?.chatid;
}

main().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? '' : 'chat: '}${(err as Error).message}\n`);
  process.exit(2);
});

/** Why a line could not be sent, in words a person can act on. */
function sendFailure(err: Error): string {
  const m = /HTTP (\d{3})/.exec(err.message);
  if (m?.[1] === '401') return '发送失败：服务拒绝了签名——它用的 WeCom 凭据和这里读到的不同（两边的 DATA_DIR 或 WECOM_TOKEN 是否一致？）';
  if (m?.[1] === '503') return '发送失败：服务暂时不可用（Redis 可能不通），稍后再试';
  if (/ECONNREFUSED|fetch failed/u.test(err.message)) return '发送失败：连不上督办服务（是否已用 make run 启动？端口对吗？）';
  return `发送失败：${err.message}（服务是否已用 make run 启动？）`;
}
