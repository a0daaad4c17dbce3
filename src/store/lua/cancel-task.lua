--[[
cancel-task: /撤销 #T3 (docs/design.md §4.15) — every open issue of a task to 已撤销 and the
task marked withdrawn, in one step, but only if each issue is still at the version the caller
read (the caller's diffs are against those versions) and the task is not withdrawn yet. Each
issue's change is written as commit-issue.lua writes one (hash fields, indexes, counters,
audit stream entry, audit list).

KEYS[1]      task hash
KEYS[2]      the task's audit list
KEYS[3]      audit stream (all issues)
KEYS[4..n]   keys referenced by the issues below, by position (1 = KEYS[4])
ARGV[1]      JSON array of [field, value] pairs to set on the task hash
ARGV[2]      the task's audit entry (JSON text)
ARGV[3]      JSON array of issues: { id, h = hash ref, l = audit list ref, v = expected version,
             s = [[field, value]…], d = [field…] to delete, o = [op…], a = [[field, value]…], e = entry JSON text }
             or, for an issue left as it is (closed, canceled), only { id, h, v, c = 1 }: its version is
             checked, nothing is written to it

Returns {1, n} when written (n issues), {0, issueId} when an issue changed since it was read,
{-1, 0} when the task is already withdrawn or does not exist (nothing written either way).
]]
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'canceledAt') == 1 then return {-1, 0} end
local taskPairs = cjson.decode(ARGV[1])
local issues = cjson.decode(ARGV[3])
local base = 3
for _, issue in ipairs(issues) do
  local current = redis.call('HGET', KEYS[base + issue.h], 'version')
  if current ~= tostring(issue.v) then return {0, issue.id} end
  for _, op in ipairs(issue.o or {}) do
    if op[1] ~= 'zadd' and op[1] ~= 'zrem' and op[1] ~= 'hincrby' then
      return redis.error_reply('cancel-task: unknown op ' .. tostring(op[1]))
    end
  end
end

local function flatten(pairs)
  local flat = {}
  for _, kv in ipairs(pairs) do
    flat[#flat + 1] = kv[1]
    flat[#flat + 1] = kv[2]
  end
  return flat
end

local written = 0
for _, issue in ipairs(issues) do
  -- c = 1: checked above, left as it is.
  if issue.c ~= 1 then
    written = written + 1
    local hash = KEYS[base + issue.h]
    if #issue.d > 0 then redis.call('HDEL', hash, unpack(issue.d)) end
    redis.call('HSET', hash, unpack(flatten(issue.s)))
    for _, op in ipairs(issue.o) do
      local key = KEYS[base + op[2]]
      if op[1] == 'zadd' then
        redis.call('ZADD', key, op[3], op[4])
      elseif op[1] == 'zrem' then
        redis.call('ZREM', key, op[3])
      else
        redis.call('HINCRBY', key, op[3], op[4])
      end
    end
    redis.call('XADD', KEYS[3], '*', unpack(flatten(issue.a)))
    redis.call('RPUSH', KEYS[base + issue.l], issue.e)
  end
end
redis.call('HSET', KEYS[1], unpack(flatten(taskPairs)))
redis.call('RPUSH', KEYS[2], ARGV[2])
return {1, written}
