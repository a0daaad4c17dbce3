import http from 'node:http';

/**
 * Preloaded into a server under test (`node --import tsx --import ./test/support/die-after-reply.ts
 * src/main.ts`): the process kills itself with SIGKILL right after it has written its first reply to
 * a WeCom callback — after the bytes are handed to the socket (Node uncorks it on the next tick,
 * and this tick comes after), before the work the pipeline leaves for after the reply (that starts
 * on setImmediate, which runs only once the next-tick queue is empty). The fault the answer-first
 * design must survive, without a test hook in the server's own code.
 */
const end = http.ServerResponse.prototype.end;
let armed = true;
http.ServerResponse.prototype.end = function (this: http.ServerResponse, ...args: unknown[]) {
  const result = (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  if (armed && this.req.method === 'POST' && this.req.url?.startsWith('/wecom/callback')) {
    armed = false;
    process.nextTick(() => process.kill(process.pid, 'SIGKILL'));
  }
  return result;
} as typeof end;
