--[[
withdraw-score-entry: mark one /加分 or /扣分 entry withdrawn and audit it, atomically — only if
it is still in force (a second /撤回加减分 of the same entry changes nothing). The entry is kept.

KEYS[1]  the entry hash
KEYS[2]  the department's score audit stream
ARGV[1]  who withdraws (userid)
ARGV[2]  when (epoch ms)
ARGV[3]  why ("" when not given)
ARGV[4]  the entry number

Returns {1, "ok"}, or {0, status} with status "missing" or the entry's status ("withdrawn").
]]
local status = redis.call('HGET', KEYS[1], 'status')
if status == false then return {0, 'missing'} end
if status ~= 'active' then return {0, status} end
redis.call('HSET', KEYS[1], 'status', 'withdrawn', 'withdrawnBy', ARGV[1], 'withdrawnAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'withdrawReason', ARGV[3]) end
local f = redis.call('HMGET', KEYS[1], 'targetKind', 'targetId', 'targetLabel', 'points', 'reason')
redis.call('XADD', KEYS[2], '*', 'action', 'withdraw', 'entry', ARGV[4], 'targetKind', f[1], 'targetId', f[2],
  'targetLabel', f[3], 'points', f[4], 'reason', f[5], 'actor', ARGV[1], 'at', ARGV[2], 'note', ARGV[3])
return {1, 'ok'}
