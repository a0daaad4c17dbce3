import type { EvidenceType } from '../../src/domain/issue';

/**
 * The type of a kept file, by its first bytes (never by a name or header the sender controls):
 * JPEG, PNG or PDF; anything else (GIF, HTML, SVG, a video) is not kept.
 */
const SIGNATURES: readonly { type: EvidenceType; magic: Buffer }[] = [
  { type: 'jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
  { type: 'png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'pdf', magic: Buffer.from('%PDF-', 'latin1') },
];

export function sniffType(bytes: Buffer): EvidenceType | undefined {
  return SIGNATURES.find((s) => bytes.length >= s.magic.length && bytes.subarray(0, s.magic.length).equals(s.magic))?.type;
}

