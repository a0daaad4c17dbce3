import { defineCommand, noArgs, type CommandContext } from '../src/pipeline/command';
import { PermissionError, UsageError } from '../src/pipeline/errors';
import { renderOrgChanges, renderReloadRefused } from '../src/rendering/org-diff';

/**
 * /重新加载: re-reads ORG_FILE while the bot runs (issue 14 §3). A good file is published through
 * Redis, so every instance and worker switches, and the reply says what changed and which open
 * issues now need a new assignee; a bad one is refused with its problems and the old org stays.
 * SIGHUP (src/main.ts) takes the same path.
 */
export default defineCommand({
  name: 'reload',
  aliases: ['重新加载', '重载'],
  roles: ['admin'],
  summary: '修改组织架构文件后重新加载（所有实例同时切换）',
  usage: '/重新加载',
  example: '/重新加载',
  args: noArgs,
  async run(ctx) {
    assertDepartmentChat(ctx);
    const reloader = ctx.orgReload;
    if (!reloader) throw new UsageError('这个实例没有配置组织架构文件（ORG_FILE），无法重新加载');
    const outcome = await reloader.reload(ctx.sender.userid);
    switch (outcome.kind) {
      case 'no-file':
        throw new UsageError('这个实例没有配置组织架构文件（ORG_FILE），无法重新加载');
      case 'refused':
        return renderReloadRefused(outcome.file, outcome.problems);
      case 'reloaded':
        return renderOrgChanges(outcome.diff, outcome.orphans, { version: outcome.version, hash: outcome.hash });
    }
  },
});

/** The org file names every person and unit: its changes are the department's business, not a work group's. */
function assertDepartmentChat(ctx: CommandContext): void {
  if (ctx.message.chatType === 'single' || ctx.chat?.scope.kind === 'admin') return;
  throw new PermissionError('组织部的群或单聊', '组织架构的变动会列出人员和单位，请在组织部的群或单聊督办助手中使用 /重新加载');
}
