--[[
next-id-once: a new issue's id for a message not answered yet. A /上报 names no issue, so the
look-up of its msgid rides with the id: a callback WeCom re-sends after it was answered gets the
first reply and takes no id (no gap in the numbers). Both keys carry the ledger's hash tag.

KEYS[1]  the message record      KEYS[2]  the district-wide id sequence

Returns {1, id}, or {0, record} when the message was answered before.
]]
local seen = redis.call('GET', KEYS[1])
if seen then
  return {0, seen}
end
return {1, redis.call('INCR', KEYS[2])}
