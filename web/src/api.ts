import type { ApiError } from '../../src/server/dashboard-contract';
import { search } from './view';

/** A refused or failed API call, with the Chinese message the page shows. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const EXPIRED = '登录已过期。请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。';

function messageOf(status: number, body: Partial<ApiError> | undefined): string {
  if (status === 401) return EXPIRED;
  if (body?.message) return body.message;
  if (status === 403) return '你没有查看这些数据的权限';
  if (status === 400) return '查询条件有误，请换一个试试';
  if (status === 404) return '没有找到这项数据';
  return `服务器出错了（${status}），请稍后再试`;
}

async function read<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => undefined)) as unknown;
  if (!res.ok) throw new ApiFailure(res.status, messageOf(res.status, body as Partial<ApiError> | undefined));
  return body as T;
}

/** A download link's answer: the file, or undefined while it is still being made (202). */
async function readFile(res: Response): Promise<Response | undefined> {
  if (res.status === 202) return undefined;
  if (res.ok) return res;
  const why: Record<number, string> = { 403: '下载链接无效，请重新导出', 404: '文件不存在，请重新导出', 410: '下载链接已过期，请重新导出', 500: '文件生成失败，请稍后重新导出' };
  throw new ApiFailure(res.status, why[res.status] ?? `下载失败（${res.status}），请稍后重新导出`);
}

/**
 * Requests in flight, shown as `data-busy` on <html>: the page is settled when it is gone (what
 * the browser tests wait for, rather than for time to pass). <html>, as the first requests go
 * out before <body> exists.
 */
let inFlight = 0;
async function call<T>(url: string, init: RequestInit, file = false): Promise<T> {
  inFlight++;
  document.documentElement.dataset.busy = String(inFlight);
  try {
    let res: Response;
    try {
      res = await fetch(url, { credentials: 'same-origin', ...init });
    } catch {
      throw new ApiFailure(0, '连不上服务器，请检查网络后刷新页面');
    }
    if (file) return (await readFile(res)) as T;
    return await read<T>(res);
  } finally {
    // Settled only after the caller has drawn the answer: its continuation is a microtask,
    // which runs before this task.
    setTimeout(() => {
      if (--inFlight === 0) delete document.documentElement.dataset.busy;
      else document.documentElement.dataset.busy = String(inFlight);
    }, 0);
  }
}

export function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  return call<T>(`${path}${search(params)}`, { headers: { accept: 'application/json' } });
}

export function postJson<T>(path: string, body: unknown, csrf: string): Promise<T> {
  return call<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  });
}

/**
 * A generated file at its signed link: the files worker makes it after the export is asked,
 * and the link answers 202 (a "正在生成" page) until then. Asked again every second until it is
 * there; its path only, on this origin (the page and the link are the same server; PUBLIC_URL
 * may name it otherwise, and the CSP allows this origin only).
 */
export async function fetchFile(url: string, opts: { everyMs?: number; timeoutMs?: number } = {}): Promise<Blob> {
  const u = new URL(url, location.href);
  const path = `${u.pathname}${u.search}`;
  const end = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const res = await call<Response | undefined>(path, { headers: { accept: 'application/octet-stream' } }, true);
    if (res) return res.blob();
    if (Date.now() > end) throw new ApiFailure(504, '文件生成时间较长，请稍后再点“导出 Excel”');
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 1000));
  }
}
