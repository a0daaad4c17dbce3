--[[
record-evidence: settle one evidence entry of an issue (kept, or failed for good) atomically —
the outcome line appended to the issue's history, the version bumped, and the audit entries —
but only if the issue is still at the version the caller read (the caller checked, at that
version, that the entry exists and has no outcome yet, so an entry is settled once).

KEYS[1]  issue hash
KEYS[2]  issue history (string of tagged JSON lines)
KEYS[3]  audit stream (all issues)
KEYS[4]  audit list (this issue)
ARGV[1]  expected version
ARGV[2]  the outcome line (tag "o", JSON, newline)
ARGV[3]  JSON array of audit [field, value] pairs (the district stream), with the new version
ARGV[4]  the audit list entry (one JSON object), with the new version

Returns {1, newVersion} on success, {0, currentVersion} when the version check fails (0: no issue).
]]
local current = redis.call('HGET', KEYS[1], 'version')
if current == false then return {0, 0} end
if current ~= ARGV[1] then return {0, tonumber(current)} end

-- Decode every input before the first write: Redis does not undo a script's writes when it
-- fails halfway.
local auditPairs = cjson.decode(ARGV[3])
local version = tonumber(current) + 1

redis.call('HSET', KEYS[1], 'version', tostring(version))
local old = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], (old or '') .. ARGV[2])
local audit = {}
for _, kv in ipairs(auditPairs) do
  audit[#audit + 1] = kv[1]
  audit[#audit + 1] = kv[2]
end
redis.call('XADD', KEYS[3], '*', unpack(audit))
redis.call('RPUSH', KEYS[4], ARGV[4])
return {1, version}
