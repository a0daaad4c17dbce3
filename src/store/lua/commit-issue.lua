--[[
commit-issue: write one issue change atomically — the hash fields that changed, the new entries
of its histories, its indexes, its counters and the audit entries — but only if the issue is
still at the version the caller read (the caller's diff is against that version).

KEYS[1]      issue hash
KEYS[2]      audit stream (all issues)
KEYS[3]      audit list (this issue: one JSON entry per change)
KEYS[4..n]   keys referenced by the ops below, by position (1 = KEYS[4])
ARGV[1]      expected version ("0": the issue must not exist yet)
ARGV[2]      JSON array of [field, value] pairs to set: the changed ones (must include "version")
ARGV[3]      JSON array of fields to delete
ARGV[4]      JSON array of ops: ["zadd", k, score, member] | ["zrem", k, member] | ["hincrby", k, field, delta]
             | ["append", k, text] (new history lines)
ARGV[5]      JSON array of audit [field, value] pairs (the district stream)
ARGV[6]      the same entry as one JSON object (the issue's list; a list costs far less than a
             stream of a few entries, which reserves a 4 KB node)

Returns {1, newVersion} on success, {0, currentVersion} when the version check fails.
]]
local current = redis.call('HGET', KEYS[1], 'version')
if current == false then current = '0' end
if current ~= ARGV[1] then
  return {0, tonumber(current)}
end

-- Decode every input before the first write: Redis does not undo a script's writes when it
-- fails halfway, so nothing may fail after writing starts.
local sets = cjson.decode(ARGV[2])
local dels = cjson.decode(ARGV[3])
local ops = cjson.decode(ARGV[4])
local auditPairs = cjson.decode(ARGV[5])
for _, op in ipairs(ops) do
  if op[1] ~= 'zadd' and op[1] ~= 'zrem' and op[1] ~= 'hincrby' and op[1] ~= 'append' then
    return redis.error_reply('commit-issue: unknown op ' .. tostring(op[1]))
  end
end
local flat = {}
local version = nil
for _, kv in ipairs(sets) do
  flat[#flat + 1] = kv[1]
  flat[#flat + 1] = kv[2]
  if kv[1] == 'version' then version = kv[2] end
end
if version == nil then return redis.error_reply('commit-issue: version field missing') end

if #dels > 0 then redis.call('HDEL', KEYS[1], unpack(dels)) end
redis.call('HSET', KEYS[1], unpack(flat))

for _, op in ipairs(ops) do
  local key = KEYS[3 + op[2]]
  if op[1] == 'zadd' then
    redis.call('ZADD', key, op[3], op[4])
  elseif op[1] == 'zrem' then
    redis.call('ZREM', key, op[3])
  elseif op[1] == 'append' then
    -- GET and SET rather than APPEND: APPEND grows a string greedily (up to twice its length);
    -- a history is capped at a few KB, so copying it here costs microseconds.
    local old = redis.call('GET', key)
    redis.call('SET', key, (old or '') .. op[3])
  else
    redis.call('HINCRBY', key, op[3], op[4])
  end
end

local audit = {}
for _, kv in ipairs(auditPairs) do
  audit[#audit + 1] = kv[1]
  audit[#audit + 1] = kv[2]
end
redis.call('XADD', KEYS[2], '*', unpack(audit))
redis.call('RPUSH', KEYS[3], ARGV[6])
return {1, tonumber(version)}
