--[[
round-close: close an open 巡查 round atomically — the round rewritten with who closed it and
when, its removal from the open set, and its entry in the department's audit — or nothing when
it is not open (someone closed it first).

KEYS[1]  the round (a JSON string)
KEYS[2]  the open rounds (set of ids)
KEYS[3]  the department audit stream
ARGV[1]  the closed round as JSON
ARGV[2]  the audit entry as JSON: { kind, actor, at, what }
ARGV[3]  the round id

Returns 1 on success, 0 when the round is not open.
]]
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('XADD', KEYS[3], '*', 'entry', ARGV[2])
return 1
