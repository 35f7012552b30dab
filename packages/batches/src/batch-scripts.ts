/**
 * The batch store's Lua scripts (docs/batches.md). Each receives every key it touches through KEYS,
 * built by queueKeys, so a script names no key itself and Redis Cluster can route it: all of them share
 * the queue prefix's hash tag.
 */

// KEYS: batch, items, pending, feederTenantBatches, feederTenants, itemTotals, activeBatches
// ARGV: expectedTotal, nextCursor, listingDone, batchId, tenant, skipped, now, item JSON...
// Returns -2 if the batch no longer lists (cancelled/failed), -1 if another expander appended this page
// already, 2 if the batch finished with this call, else 1.
export const APPEND_PAGE = `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'expanding' then return -2 end
local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
if total ~= tonumber(ARGV[1]) then return -1 end
local n = #ARGV - 7
for i = 1, n do
  redis.call('HSET', KEYS[2], total + i - 1, ARGV[7 + i])
  redis.call('RPUSH', KEYS[3], total + i - 1)
end
total = total + n
redis.call('HSET', KEYS[1], 'total', total, 'cursor', ARGV[2])
if n > 0 then
  redis.call('LREM', KEYS[4], 0, ARGV[4])
  redis.call('RPUSH', KEYS[4], ARGV[4])
  redis.call('LREM', KEYS[5], 0, ARGV[5])
  redis.call('RPUSH', KEYS[5], ARGV[5])
  redis.call('HINCRBY', KEYS[6], 'enqueued', n)
end
if tonumber(ARGV[6]) > 0 then redis.call('HINCRBY', KEYS[6], 'skipped', ARGV[6]) end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'listed', '1', 'status', 'running')
  local done = tonumber(redis.call('HGET', KEYS[1], 'completed') or '0') + tonumber(redis.call('HGET', KEYS[1], 'failed') or '0') + tonumber(redis.call('HGET', KEYS[1], 'cancelled') or '0')
  if done >= total then
    redis.call('HSET', KEYS[1], 'status', 'completed', 'finishedAt', ARGV[7])
    redis.call('SREM', KEYS[7], ARGV[4])
    return 2
  end
end
return 1
`;

// Moves up to ARGV[3] items from batches' pending lists to the in-flight sets: tenants round-robin, a
// tenant's batches round-robin, at most ARGV[1] in flight per tenant. The caller passes the keys of every
// tenant and batch it saw in the round-robin lists just before (feedKeys): a tenant or batch added since
// is passed over until the next round. The item id built here is batchItemId's `<batchId>-<index>`.
// KEYS: feederTenants, then per tenant: its in-flight set, its batches list, then per batch: hash, pending
// ARGV: cap, now, maxOut, tenant count, then per tenant: tenant, batch count, batch ids...
// Returns a flat list tenant, itemId, tenant, itemId, ...
export const FEED = `
local cap, now, maxOut = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local tenantsKey = KEYS[1]
local tenants = {}
local k, a = 2, 5
for _ = 1, tonumber(ARGV[4]) do
  local name, nb = ARGV[a], tonumber(ARGV[a + 1])
  local t = { inflight = KEYS[k], batches = KEYS[k + 1], batch = {} }
  k, a = k + 2, a + 2
  for _ = 1, nb do
    t.batch[ARGV[a]] = { hash = KEYS[k], pending = KEYS[k + 1] }
    k, a = k + 2, a + 1
  end
  tenants[name] = t
end
local out = {}
local progress = true
while progress and #out < 2 * maxOut do
  progress = false
  local nt = redis.call('LLEN', tenantsKey)
  for i = 1, nt do
    if #out >= 2 * maxOut then break end
    local name = redis.call('LMOVE', tenantsKey, tenantsKey, 'LEFT', 'RIGHT')
    if not name then break end
    local t = tenants[name]
    if t and redis.call('SCARD', t.inflight) < cap then
      local nb = redis.call('LLEN', t.batches)
      for j = 1, nb do
        local b = redis.call('LMOVE', t.batches, t.batches, 'LEFT', 'RIGHT')
        if not b then break end
        local batch = t.batch[b]
        if batch then
          local idx = redis.call('LPOP', batch.pending)
          if redis.call('LLEN', batch.pending) == 0 then redis.call('LREM', t.batches, 0, b) end
          if idx then
            local id = b .. '-' .. idx
            redis.call('SADD', t.inflight, id)
            redis.call('HINCRBY', batch.hash, 'inflight', 1)
            redis.call('HSETNX', batch.hash, 'startedAt', now)
            out[#out + 1] = name
            out[#out + 1] = id
            progress = true
            break
          end
        end
      end
    end
    if t and redis.call('LLEN', t.batches) == 0 then redis.call('LREM', tenantsKey, 0, name) end
  end
end
return out
`;

// KEYS: batch, done, inflight, activeBatches, itemTotals, results
// ARGV: index, itemId, record JSON, outcome, audioMs, now, batchId, result JSON (deflated) or ''
// Returns {1 if counted now else 0, batch status after}.
export const FINISH_ITEM = `
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3]) == 0 then
  return {0, redis.call('HGET', KEYS[1], 'status') or ''}
end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[6], ARGV[1], ARGV[8]) end
if redis.call('SREM', KEYS[3], ARGV[2]) == 1 then redis.call('HINCRBY', KEYS[1], 'inflight', -1) end
redis.call('HINCRBY', KEYS[1], ARGV[4], 1)
if ARGV[4] ~= 'cancelled' then redis.call('HINCRBY', KEYS[5], ARGV[4], 1) end
if tonumber(ARGV[5]) > 0 then redis.call('HINCRBY', KEYS[1], 'audioMs', ARGV[5]) end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'running' then
  local done = tonumber(redis.call('HGET', KEYS[1], 'completed') or '0') + tonumber(redis.call('HGET', KEYS[1], 'failed') or '0') + tonumber(redis.call('HGET', KEYS[1], 'cancelled') or '0')
  if done >= tonumber(redis.call('HGET', KEYS[1], 'total')) then
    redis.call('HSET', KEYS[1], 'status', 'completed', 'finishedAt', ARGV[6])
    redis.call('SREM', KEYS[4], ARGV[7])
    status = 'completed'
  end
end
return {1, status}
`;

// Ends a batch that has not finished: its pending items are dropped and counted as cancelled at once.
// KEYS: batch, pending, activeBatches; ARGV: status (cancelled|failed), now, batchId, error JSON or ''
// Returns the number of pending items dropped, or -1 if the batch had already ended.
export const STOP = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'completed' or status == 'cancelled' or status == 'failed' then return -1 end
local n = redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('HINCRBY', KEYS[1], 'cancelled', n)
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'finishedAt', ARGV[2], 'listed', '1')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
redis.call('SREM', KEYS[3], ARGV[3])
return n
`;
