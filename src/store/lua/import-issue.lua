--[[
import-issue: create one issue of an imported 台账 (npm run ledger -- import) at most once per row:
commit-issue's write, preceded by a look-up of the row's fingerprint and followed by recording
it, in one script — so two imports of one file, even at once, create each issue once.

The body of commit-issue.lua is prepended as the local function commit() (src/store/scripts.ts):
KEYS and ARGV[1..6] are commit-issue's, plus
KEYS[#KEYS]  the fingerprint hash (field: row fingerprint, value: the issue id)
ARGV[7]      the row's fingerprint
ARGV[8]      the new issue's id

Returns {1, version} when created, {2, existingId} when the row was imported before, and
commit-issue's {0, currentVersion} when the id is taken.
]]
local fingerprints = KEYS[#KEYS]
local existing = redis.call('HGET', fingerprints, ARGV[7])
if existing then
  return {2, tonumber(existing)}
end
local result = commit()
if type(result) == 'table' and result[1] == 1 then
  redis.call('HSET', fingerprints, ARGV[7], ARGV[8])
end
return result
