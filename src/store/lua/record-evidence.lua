--[[
record-evidence: settle one evidence entry of an issue (kept, or failed for good) atomically —
the outcome line appended to the issue's history and the audit entries — once: an entry that
already has an outcome line keeps it. The issue's version is not bumped: the outcome changes no
field a command decides on, and a command committing meanwhile appends after it (its commit
copies the history it finds), so neither has to read again.

KEYS[1]  issue hash
KEYS[2]  issue history (string of tagged JSON lines)
KEYS[3]  audit stream (all issues)
KEYS[4]  audit list (this issue)
ARGV[1]  the outcome line (tag "o", JSON, newline)
ARGV[2]  the line's start that names the entry ('o{"msgid":…,"index":…,'): found = settled already
ARGV[3]  JSON array of audit [field, value] pairs (the district stream)
ARGV[4]  the audit list entry (one JSON object)

Returns 1 when recorded, 2 when the entry was settled before, 0 when there is no such issue.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = redis.call('GET', KEYS[2]) or ''
if string.sub(old, 1, #ARGV[2]) == ARGV[2] or string.find(old, '\n' .. ARGV[2], 1, true) then return 2 end

-- Decode every input before the first write: Redis does not undo a script's writes when it
-- fails halfway.
local auditPairs = cjson.decode(ARGV[3])
local audit = {}
for _, kv in ipairs(auditPairs) do
  audit[#audit + 1] = kv[1]
  audit[#audit + 1] = kv[2]
end
redis.call('SET', KEYS[2], old .. ARGV[1])
redis.call('XADD', KEYS[3], '*', unpack(audit))
redis.call('RPUSH', KEYS[4], ARGV[4])
return 1
