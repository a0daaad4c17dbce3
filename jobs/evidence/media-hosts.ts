/**
 * Where the evidence worker may download from (EVIDENCE_MEDIA_HOSTS, docs/design.md §6.6). The
 * link comes from a callback or a long-connection frame, then rides in Redis (a held photo, a
 * queued job): whoever can write either must not make the worker fetch `data:` bytes as
 * "evidence" or call a host inside our network. So a link is fetched only over https, from a host
 * on the list; an entry written `http://host` also allows plain http for that one host (a local
 * fake in tests, a private deployment's media proxy), never for the wildcards.
 *
 * Entries: `host` (exactly), `*.domain` (any host under it, not the domain itself), each
 * optionally `http://`-prefixed; comma-separated. Matched on the hostname (lower case, as the
 * URL parser gives it), any port.
 */
export interface MediaHostRule {
  host: string;
  /** `*.` entries: `host` is the suffix, with its leading dot. */
  wildcard: boolean;
  http: boolean;
}

/** PROTOCOL's image links are on Tencent COS (…cos.ap-guangzhou.myqcloud.com); WeCom's own file servers are under qq.com. */
export const DEFAULT_MEDIA_HOSTS = '*.myqcloud.com,*.qq.com';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The rules of a list, or a sentence saying what is wrong with it. */
export function parseMediaHosts(text: string): MediaHostRule[] | string {
  const rules: MediaHostRule[] = [];
  for (const raw of text.split(',').map((s) => s.trim().toLowerCase())) {
    if (!raw) continue;
    const http = raw.startsWith('http://');
    const rest = http ? raw.slice('http://'.length) : raw;
    const wildcard = rest.startsWith('*.');
    const host = wildcard ? rest.slice(2) : rest;
    const labels = host.split('.');
    if (!labels.every((l) => LABEL.test(l))) return `"${raw}" is not a host name, *.domain or http://host`;
    if (wildcard && http) return `"${raw}": plain http is allowed for one named host only, not for a wildcard`;
    // "*.com" would let any .com host in.
    if (wildcard && labels.length < 2) return `"${raw}": a wildcard needs a domain of at least two labels, e.g. *.myqcloud.com`;
    rules.push({ host: wildcard ? `.${host}` : host, wildcard, http });
  }
  return rules.length ? rules : 'must name at least one host, e.g. *.myqcloud.com';
}

/** The default rules (tests and callers without configuration). */
export function defaultMediaHosts(): MediaHostRule[] {
  return parseMediaHosts(DEFAULT_MEDIA_HOSTS) as MediaHostRule[];
}

/** Why a link may not be fetched, or undefined when it may. */
export function mediaUrlRefusal(url: string, rules: readonly MediaHostRule[]): string | undefined {
  if (!URL.canParse(url)) return 'not a URL';
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `scheme ${u.protocol} is not fetched`;
  if (u.username || u.password) return 'credentials in the link';
  const host = u.hostname.toLowerCase();
  const rule = rules.find((r) => (r.wildcard ? host.endsWith(r.host) && host.length > r.host.length : host === r.host));
  if (!rule) return `host ${host} is not in EVIDENCE_MEDIA_HOSTS`;
  if (u.protocol === 'http:' && !rule.http) return `plain http to ${host}`;
  return undefined;
}
