--[[
add-record: write one new department record (a 典型经验 or a 走访) atomically — the record, its
indexes and counters, and its entry in the department's audit — or nothing, when a record
already holds that id (an id is taken with INCR before; a failed write leaves a gap, never a
half-written record or a record without its audit entry).

KEYS[1]      the record (a JSON string)
KEYS[2]      the department audit stream
KEYS[3..n]   keys referenced by the ops below, by position (1 = KEYS[3])
ARGV[1]      the record as JSON
ARGV[2]      the audit entry as JSON: { kind, actor, at, what }
ARGV[3]      JSON array of ops: ["zadd", k, score, member] | ["zaddgt", k, score, member]
             (keeps the larger score: a unit's latest visit) | ["hincrby", k, field, delta]

Returns 1 on success, 0 when the record exists.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end

-- Decode and check every op before the first write: Redis does not undo a script's writes when
-- it fails halfway.
local ops = cjson.decode(ARGV[3])
for _, op in ipairs(ops) do
  if op[1] ~= 'zadd' and op[1] ~= 'zaddgt' and op[1] ~= 'hincrby' then
    return redis.error_reply('add-record: unknown op ' .. tostring(op[1]))
  end
  if KEYS[2 + op[2]] == nil then return redis.error_reply('add-record: no key ' .. tostring(op[2])) end
end

redis.call('SET', KEYS[1], ARGV[1])
for _, op in ipairs(ops) do
  local key = KEYS[2 + op[2]]
  if op[1] == 'zadd' then
    redis.call('ZADD', key, op[3], op[4])
  elseif op[1] == 'zaddgt' then
    redis.call('ZADD', key, 'GT', op[3], op[4])
  else
    redis.call('HINCRBY', key, op[3], op[4])
  end
end
redis.call('XADD', KEYS[2], '*', 'entry', ARGV[2])
return 1
