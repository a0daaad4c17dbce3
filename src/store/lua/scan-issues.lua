--[[
scan-issues: one batch of a streaming scan (src/store/issue-scan.ts) in one round trip. Each
issue comes back as three strings: its hash's fields and values, the number of them first, all
joined by NUL; its history string; and the newest entries of its audit list joined by newlines
(an entry is JSON, which never holds a raw newline). The client splits three strings per issue
instead of parsing some forty protocol values, which was most of a 100 000-issue scan's time;
and joining costs Redis far less than encoding JSON. A value holding a NUL itself (user text is
cleaned of control characters, so only a record written some other way) shows as a count that
does not match, and the client reads that hash again the plain way. Reads only.

KEYS[3i-2]   issue hash
KEYS[3i-1]   its history string
KEYS[3i]     its audit list
ARGV[1]      how many of the newest audit entries to return per issue (0: none)

Returns a flat array of three strings per issue, in the order of the keys; an issue that does
not exist gives three empty strings.
]]
local tail = tonumber(ARGV[1])
local out = {}
local n = 0
for i = 1, #KEYS, 3 do
  local h = redis.call('HGETALL', KEYS[i])
  if #h == 0 then
    out[n + 1] = ''
    out[n + 2] = ''
    out[n + 3] = ''
  else
    out[n + 1] = #h .. '\0' .. table.concat(h, '\0')
    out[n + 2] = redis.call('GET', KEYS[i + 1]) or ''
    if tail > 0 then
      out[n + 3] = table.concat(redis.call('LRANGE', KEYS[i + 2], -tail, -1), '\n')
    else
      out[n + 3] = ''
    end
  end
  n = n + 3
end
return out
