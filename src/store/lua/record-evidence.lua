--[[
record-evidence: settle one evidence entry of an issue (kept, or failed for good) atomically —
the outcome line appended to the issue's history and the district audit stream's entry — once:
an entry that already has an outcome line keeps it. Not the issue's own audit list: that holds
the issue's steps, whose newest few the 台账's 核验人, the cards and /查看 read. The issue's version is not bumped: the outcome changes no
field a command decides on, and a command committing meanwhile appends after it (its commit
copies the history it finds), so neither has to read again.

KEYS[1]  issue hash
KEYS[2]  issue history (string of tagged JSON lines)
KEYS[3]  audit stream (all issues)
ARGV[1]  the outcome line (tag "o", JSON, newline)
ARGV[2]  the line's start that names the entry ('o{"msgid":…,"index":…,'): found = settled already
ARGV[3]  JSON array of audit [field, value] pairs (the district stream)

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
return 1
