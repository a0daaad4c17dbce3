--[[
release-claim: gives up a claim taken with claim-once, only if this caller still holds it (a
claim that ran out and was taken by someone else stays theirs).

KEYS[1]  the claim
ARGV[1]  when this caller claimed (ms)    ARGV[2] this caller (as given to claim-once)

Returns 1 when released, else 0.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then
  return redis.call('DEL', KEYS[1])
end
return 0
