-- wrk script: authenticated confirmations of presence, each with a fresh
-- idempotency key, spread over many persons' tokens (one token per
-- connection, round-robin). Usage: wrk -s bench/confirm.lua URL -- TOKENS_FILE [read]
-- With "read", each request is GET /api/v1/me instead (a READ op: on
-- PostgreSQL the event loop runs it itself, asynchronously).
local tokens = {}
local counter = 0
local thread_id = 0
local token

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

local read_only = false

function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  read_only = args[2] == "read"
  counter = 0
end

function request()
  counter = counter + 1
  token = tokens[((tid or 1) * 7919 + counter) % #tokens + 1]
  if read_only then
    return wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer " .. token})
  end
  local body = string.format(
    '{"lat":55.7576,"lon":37.6137,"accuracy_m":15,"client_time":"2025-10-31T10:00:00+03:00","idempotency_key":"b%d-%d-%d"}',
    tid or 1, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/api/v1/me/confirmations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d errors=%d p50_us=%d p90_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
