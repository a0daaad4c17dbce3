import type { Role } from '../domain/org';

export const ROLE_NAMES: Record<Role, string> = {
  admin: '组织部',
  leader: '队长',
  member: '队员',
  secretary: '单位书记（责任人）',
};

/** "队员、队长或组织部" — who may run a command, for 无权限 replies. */
export function describeAllowed(roles: readonly Role[]): string {
  const names = roles.map((r) => ROLE_NAMES[r]);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join('、')}或${names[names.length - 1]}`;
}
