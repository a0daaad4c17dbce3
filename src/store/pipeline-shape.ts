import pipelineModule = require('ioredis/built/Pipeline');

/**
 * ioredis's Pipeline constructor gives each pipeline its own `length` getter
 * (`Object.defineProperty(this, 'length', { get: () => _this._queue.length })`). A fresh accessor
 * per object gives each object a hidden class of its own, and that hidden class lives in V8's old
 * space and holds the getter, whose closure holds the pipeline: so every pipeline — its commands,
 * their arguments, their replies — survives the young-generation GC until the next full GC. With
 * auto-pipelining that is every command the app sends: measured on the webhook at 1 000 callbacks
 * a second, 8 % of all bytes allocated survived each scavenge and each scavenge paused the server
 * for 10–16 ms; a bare loop making pipelines keeps 73 % (docs/design.md §4.22).
 *
 * The fix: pipelines are made by a subclass whose construction skips that one defineProperty, and
 * `length` is one getter on the prototype, the same value. Everything else is ioredis's own
 * constructor. transaction.js (`redis.pipeline()`, `redis.multi()`, auto-pipelining) builds
 * pipelines through this module's `default` export at call time, so replacing it covers them all.
 */
type PipelineClass = new (redis: unknown) => object;

interface PipelineModule {
  default: PipelineClass & { leanShape?: true };
}

const mod = pipelineModule as unknown as PipelineModule;

/** Installs the subclass; a second call does nothing. */
export function keepPipelinesOnOneShape(): void {
  if (mod.default.leanShape) return;
  const Original = mod.default;
  const define = Object.defineProperty;
  // The one `length` every pipeline shares, with the value ioredis's own getter gave.
  define(Original.prototype, 'length', {
    configurable: true,
    get(this: { _queue: unknown[] }) {
      return this._queue.length;
    },
  });
  // Made once: it stands in for Object.defineProperty only while a pipeline is being constructed.
  const skipLengthGetter = function <T>(o: T, p: PropertyKey, d: PropertyDescriptor & ThisType<unknown>): T {
    if (p === 'length' && o instanceof Original && d.get) return o;
    return define(o, p, d);
  };
  class LeanPipeline extends Original {
    constructor(redis: unknown) {
      // Synchronous: nothing else runs while the constructor does.
      Object.defineProperty = skipLengthGetter;
      try {
        super(redis);
      } finally {
        Object.defineProperty = define;
      }
    }
  }
  mod.default = Object.assign(LeanPipeline, { leanShape: true as const });
}
