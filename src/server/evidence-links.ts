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

export function evidenceLink(signer: LinkSigner, org: Org, file: StoredEvidence, userid: string, now: number): SignedEvidenceLink {
  const expiresAt = now + org.policy.exportLinkTtl.ms;
  return { url: signer.evidenceUrl({ sha256: file.sha256, type: file.type, userid, expiresAt }), expiresAt };
}

export function issueEvidenceLink(signer: LinkSigner, org: Org, issueId: number, userid: string, now: number): SignedEvidenceLink {
  const expiresAt = now + org.policy.exportLinkTtl.ms;
  return { url: signer.issueEvidenceUrl({ issueId, userid, expiresAt }), expiresAt };
}
