--[[
round-open: open a 巡查 round atomically — the round, its place in the rounds index and the open
set, and its entry in the department's audit — or nothing: when the id is taken (0), or when the
set of open rounds is no longer the one the caller checked for overlap (-1: read again and
re-check; two admins opening overlapping rounds at once cannot both succeed).

KEYS[1]  the round (a JSON string)
KEYS[2]  the rounds index (sorted set, score = opened at)
KEYS[3]  the open rounds (set of ids)
KEYS[4]  the department audit stream
ARGV[1]  the round as JSON
ARGV[2]  the audit entry as JSON: { kind, actor, at, what }
ARGV[3]  the round id
ARGV[4]  opened at (ms)
ARGV[5]  the open round ids the caller saw, ascending, comma-separated ("" for none)

Returns 1 on success, 0 when the round exists, -1 when the open set changed.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local open = redis.call('SMEMBERS', KEYS[3])
table.sort(open, function(a, b) return tonumber(a) < tonumber(b) end)
if table.concat(open, ',') ~= ARGV[5] then return -1 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('XADD', KEYS[4], '*', 'entry', ARGV[2])
return 1
