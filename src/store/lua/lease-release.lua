--[[
lease-release: gives the lease up at a clean stop, so a standing-by instance takes the
connection over at its next try instead of after the term; only if this owner still holds it.

KEYS[1]  the lease
ARGV[1]  this owner's token

Returns 1 when released, else 0.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
