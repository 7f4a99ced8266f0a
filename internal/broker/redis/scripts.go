package redis

import goredis "github.com/redis/go-redis/v9"

// trimLua drops the expired messages at the head of history KEYS[1]; an
// encoded message starts "id time tag expires ".
const trimLua = `
local function trim(key, now)
  while true do
    local head = redis.call('LINDEX', key, 0)
    if not head then return end
    local e = tonumber(string.match(head, '^%d+ %d+ %d+ (%d+)'))
    if e and e <= now then redis.call('LPOP', key) else return end
  end
end
`

// registerLua adds a channel to the registry: 1 created, 0 existing, -1
// limit reached.
const registerLua = `
local function register(chans, wild, seq, id, w, max)
  if redis.call('ZSCORE', chans, id) or redis.call('ZSCORE', wild, id) then return 0 end
  local set = chans
  if w == '1' then set = wild end
  max = tonumber(max)
  if max > 0 and redis.call('ZCARD', set) >= max then return -1 end
  redis.call('ZADD', set, redis.call('INCR', seq), id)
  return 1
end
`

// ensureScript registers a channel. KEYS: chans, wild, seq. ARGV: id,
// wildcard (0/1), max.
var ensureScript = goredis.NewScript(registerLua + `
return register(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3])
`)

// tagScript registers the channel and takes the server-wide tag on the
// global slot (cluster mode). KEYS: tag, pub, chans, wild, seq. ARGV:
// count (0/1), id, wildcard, max. Returns {now, tag, created} or {-1}.
var tagScript = goredis.NewScript(registerLua + `
local created = register(KEYS[3], KEYS[4], KEYS[5], ARGV[2], ARGV[3], ARGV[4])
if created == -1 then return {-1} end
local now = tonumber(redis.call('TIME')[1])
local tag
if tonumber(redis.call('HGET', KEYS[1], 's') or '0') == now then
  tag = redis.call('HINCRBY', KEYS[1], 'n', 1)
else
  redis.call('HSET', KEYS[1], 's', now, 'n', 1)
  tag = 1
end
if ARGV[1] == '1' then redis.call('INCR', KEYS[2]) end
return {now, tag, created}
`)

// publishScript is the atomic publish. KEYS: history, meta, alive[, tag,
// pub, chans, wild, seq]. With eight keys (single Redis) it registers the
// channel and takes time and tag itself; with three (cluster) tagScript did
// that and they come in ARGV 11–12. ARGV: 1 text, 2 event id, 3 event
// type, 4 flags, 5 store, 6 max stored, 7 ttl, 8 inactivity, 9 pub/sub
// channel, 10 count, 11 time, 12 tag, 13 PUBLISH or SPUBLISH, 14 id,
// 15 wildcard, 16 max channels. Returns {encoded message, created} or
// {”, -1} when the channel limit refused it.
var publishScript = goredis.NewScript(trimLua + registerLua + `
local now, tag
local created = 0
if #KEYS >= 8 then
  created = register(KEYS[6], KEYS[7], KEYS[8], ARGV[14], ARGV[15], ARGV[16])
  if created == -1 then return {'', -1} end
  now = tonumber(redis.call('TIME')[1])
  if tonumber(redis.call('HGET', KEYS[4], 's') or '0') == now then
    tag = redis.call('HINCRBY', KEYS[4], 'n', 1)
  else
    redis.call('HSET', KEYS[4], 's', now, 'n', 1)
    tag = 1
  end
  if ARGV[10] == '1' then redis.call('INCR', KEYS[5]) end
else
  now = tonumber(ARGV[11])
  tag = tonumber(ARGV[12])
end
local lt = tonumber(redis.call('HGET', KEYS[2], 'lt') or '0')
local lg = tonumber(redis.call('HGET', KEYS[2], 'lg') or '0')
if now < lt or (now == lt and tag <= lg) then now = lt; tag = lg + 1 end
local id = redis.call('HINCRBY', KEYS[2], 'last', 1)
redis.call('HSET', KEYS[2], 'lt', now, 'lg', tag)
local ttl = tonumber(ARGV[7])
local enc = string.format('%d %d %d %d %s %d %d ', id, now, tag, now + ttl, ARGV[4], #ARGV[2], #ARGV[3]) .. ARGV[2] .. ARGV[3] .. ARGV[1]
if ARGV[5] == '1' then
  redis.call('RPUSH', KEYS[1], enc)
  local max = tonumber(ARGV[6])
  if max > 0 then redis.call('LTRIM', KEYS[1], -max, -1) end
  trim(KEYS[1], now)
  redis.call('EXPIRE', KEYS[1], ttl + 1)
end
redis.call('SET', KEYS[3], '1', 'EX', ARGV[8])
redis.call(ARGV[13], ARGV[9], 'M' .. enc)
return {enc, created}
`)

// historyScript reads a channel. KEYS: history, meta. ARGV: full (0/1).
// Returns {last id, stored count, messages…}.
var historyScript = goredis.NewScript(trimLua + `
trim(KEYS[1], tonumber(redis.call('TIME')[1]))
local last = tonumber(redis.call('HGET', KEYS[2], 'last') or '0')
local n = redis.call('LLEN', KEYS[1])
local out = {last, n}
if ARGV[1] == '1' and n > 0 then
  for _, m in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do out[#out + 1] = m end
end
return out
`)

// deleteScript drops a channel's keys and tells the nodes. KEYS: history,
// meta, alive. ARGV: pub/sub channel, payload, PUBLISH or SPUBLISH.
var deleteScript = goredis.NewScript(`
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call(ARGV[3], ARGV[1], ARGV[2])
return 1
`)

// reapScript destroys an idle channel's keys. KEYS: alive, history, meta.
// Returns 1 when the channel was idle (and its keys are gone).
var reapScript = goredis.NewScript(trimLua + `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
trim(KEYS[2], tonumber(redis.call('TIME')[1]))
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`)

// subsScript sums the heartbeat counts of the other live nodes and prunes
// dead ones. KEYS: nodes. ARGV: self, node key prefix, field ("" = every
// field). Returns {field, sum, …}.
var subsScript = goredis.NewScript(`
local sums, order = {}, {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[2] .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', KEYS[1], id)
  elseif id ~= ARGV[1] then
    local kv
    if ARGV[3] == '' then kv = redis.call('HGETALL', key) else kv = {ARGV[3], redis.call('HGET', key, ARGV[3])} end
    for i = 1, #kv, 2 do
      local v = tonumber(kv[i + 1] or '0') or 0
      if sums[kv[i]] == nil then sums[kv[i]] = 0; order[#order + 1] = kv[i] end
      sums[kv[i]] = sums[kv[i]] + v
    end
  end
end
local out = {}
for _, f in ipairs(order) do out[#out + 1] = f; out[#out + 1] = sums[f] end
return out
`)
