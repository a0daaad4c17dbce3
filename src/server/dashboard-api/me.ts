import exportCommand from '../../../handlers/export';
import scoreCommand from '../../../handlers/score';
import { ISSUE_STATES, STATE_WORDS } from '../../domain/issue';
import { defaultScope, mayUse, readScopeWord, townChoices, visibleUnits } from '../../domain/visibility';
import { ROLE_NAMES } from '../../rendering/roles';
import type { MeResponse } from '../dashboard-contract';
import { STATE_GROUPS } from '../../domain/issue-filter';
import type { Viewer } from './view';

/** GET /api/me: who is signed in and what the filters may offer them (only what they may see). */
export function meResponse(v: Viewer): MeResponse {
  const { org, membership: m, session } = v;
  const visible = visibleUnits(org, m.userid);
  const units = org.units.filter((u) => visible.has(u.id));
  // A team is offered when the chat would let the person name it (its whole area is theirs to see).
  const teams = org.teams.filter((t) => readScopeWord(org, m, t.id)?.kind === 'scope');
  // A town is a scope only when all of it is theirs; the table's 镇街 filter takes any town they see a unit in.
  const towns = townChoices(org, m);
  return {
    name: m.person?.name ?? m.userid,
    userid: m.userid,
    roles: m.roles.map((r) => ROLE_NAMES[r]),
    scope: defaultScope(org, m, undefined).label,
    csrf: session.csrf ?? '',
    expiresAt: session.expiresAt,
    choices: {
      towns: towns.filter,
      scopeTowns: towns.scope,
      teams: teams.map((t) => ({ id: t.id, name: t.name })),
      units: units.map((u) => ({ id: u.id, name: u.name, town: u.town })),
      states: [...ISSUE_STATES.map((s) => ({ key: s, label: STATE_WORDS[s] })), ...Object.entries(STATE_GROUPS).map(([key, g]) => ({ key, label: g.label }))],
      categories: org.checklist.map((c) => ({ code: c.code, name: c.name })),
    },
    canSeeScores: mayUse(scoreCommand.roles, m),
    canExport: mayUse(exportCommand.roles, m),
  };
}
