--[[
create-task: write a department task (/布置, docs/design.md §4.15) and every issue it gives to
its units in one step — all or nothing. Each issue is written exactly as commit-issue.lua writes
a new one (hash, indexes, counters, deadlines, audit stream entry and audit list); the task
gets its hash, its place in the tasks set, its issue set and its audit entry. A message already
turned into a task (the same msgid, re-sent by WeCom) writes nothing and returns that task.

KEYS[1]      task hash
KEYS[2]      tasks sorted set (score = created ms)
KEYS[3]      the task's issue ids (sorted set, score = id)
KEYS[4]      the task's audit list
KEYS[5]      audit stream (all issues)
KEYS[6]      the message's task marker (string: task id)
KEYS[7..n]   keys referenced by the issues below, by position (1 = KEYS[7])
ARGV[1]      task id
ARGV[2]      created ms
ARGV[3]      JSON array of [field, value] pairs of the task hash
ARGV[4]      the task's audit entry (JSON text)
ARGV[5]      JSON array of issues: { id, h = hash ref, l = audit list ref, s = [[field, value]…],
             o = [op…] (as commit-issue.lua: zadd / zrem / hincrby), a = [[field, value]…] (stream), e = entry JSON text }
ARGV[6]      marker TTL in seconds

Returns {1, taskId} when written, {2, existingTaskId} when the message made a task before,
{0, issueId} when an issue id is taken (nothing written).
]]
local existing = redis.call('GET', KEYS[6])
if existing then return {2, tonumber(existing)} end
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('create-task: task ' .. ARGV[1] .. ' exists') end

-- Decode and check everything before the first write: Redis does not undo a script's writes
-- when it fails halfway, so nothing may fail after writing starts.
local taskPairs = cjson.decode(ARGV[3])
local issues = cjson.decode(ARGV[5])
local base = 6
for _, issue in ipairs(issues) do
  if redis.call('EXISTS', KEYS[base + issue.h]) == 1 then return {0, issue.id} end
  for _, op in ipairs(issue.o) do
    if op[1] ~= 'zadd' and op[1] ~= 'zrem' and op[1] ~= 'hincrby' then
      return redis.error_reply('create-task: unknown op ' .. tostring(op[1]))
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

redis.call('HSET', KEYS[1], unpack(flatten(taskPairs)))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('RPUSH', KEYS[4], ARGV[4])

for _, issue in ipairs(issues) do
  redis.call('HSET', KEYS[base + issue.h], unpack(flatten(issue.s)))
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
  redis.call('ZADD', KEYS[3], issue.id, issue.id)
  redis.call('XADD', KEYS[5], '*', unpack(flatten(issue.a)))
  redis.call('RPUSH', KEYS[base + issue.l], issue.e)
end

redis.call('SET', KEYS[6], ARGV[1], 'EX', tonumber(ARGV[6]))
return {1, tonumber(ARGV[1])}
