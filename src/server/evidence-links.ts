import type { Org } from '../domain/org';
import type { StoredEvidence } from '../domain/issue';
import type { LinkSigner } from './signed-links';

/**
 * Signed links to kept evidence for one person (docs/design.md §6.6). They live as long as the
 * generated files' links (policy.exportLinkTtl, 24 h by default): a link is a credential that
 * opens outside WeCom, and a 台账 that holds them is itself a 24-hour link.
 */
export interface SignedEvidenceLink {
  url: string;
  expiresAt: number;
}

/** `form`: a whole URL on PUBLIC_URL (chat replies), or the path alone (a page on our own origin, the dashboard). */
export function evidenceLink(signer: LinkSigner, org: Org, file: StoredEvidence, userid: string, now: number, form: 'url' | 'path' = 'url'): SignedEvidenceLink {
  const expiresAt = now + org.policy.exportLinkTtl.ms;
  const link = { sha256: file.sha256, type: file.type, userid, expiresAt };
  return { url: form === 'url' ? signer.evidenceUrl(link) : signer.evidencePath(link), expiresAt };
}

export function issueEvidenceLink(signer: LinkSigner, org: Org, issueId: number, userid: string, now: number): SignedEvidenceLink {
  const expiresAt = now + org.policy.exportLinkTtl.ms;
  return { url: signer.issueEvidenceUrl({ issueId, userid, expiresAt }), expiresAt };
}
