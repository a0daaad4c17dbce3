--[[
commit-once: one chat command's whole write in one atomic step — the look-up of its msgid, the
ledger change (commit-issue, with its version check), the reply as answered and the follow-ups
the reply does not wait for. A callback WeCom re-sends finds the first reply here and changes
nothing; a process that dies at any point leaves either all of it or none of it.

The body of commit-issue.lua is prepended as the local function commit() (src/store/scripts.ts):
KEYS and ARGV[1..6] are commit-issue's, plus
KEYS[#KEYS-2]  the message record (sha1 of the msgid; under the ledger's hash tag)
KEYS[#KEYS-1]  the follow-ups due: a sorted set, member "<issue>:<version>", score = commit time (ms)
KEYS[#KEYS]    the follow-ups' data: a hash, same member → JSON { pushes, evidence } (only when any)
ARGV[7]        the reply record as JSON ({"status":"done",…})
ARGV[8]        its lifetime (s)
ARGV[9]        the follow-up member      ARGV[10] its score      ARGV[11] its data ('' for none)

Returns commit-issue's {1, version} or {0, currentVersion}; {2, 0, record} when this msgid was
answered before (nothing written).
]]
local message = KEYS[#KEYS - 2]
local due = KEYS[#KEYS - 1]
local data = KEYS[#KEYS]
local seen = redis.call('GET', message)
if seen then
  return {2, 0, seen}
end
local result = commit()
if type(result) == 'table' and result[1] == 1 then
  redis.call('SET', message, ARGV[7], 'EX', tonumber(ARGV[8]))
  redis.call('ZADD', due, tonumber(ARGV[10]), ARGV[9])
  if ARGV[11] ~= '' then redis.call('HSET', data, ARGV[9], ARGV[11]) end
end
return result
