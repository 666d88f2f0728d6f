-- Shared by every scenario: requests handed out in turn, and one machine-readable line at the end of a wrk run.

-- A request() that hands out the requests in turn. The scripts build them once in init(): building each in Lua
-- costs the load generator CPU that, on the same two cores, the server would otherwise get.
function in_turn(requests)
  local next_request = 0
  return function()
    next_request = next_request % #requests + 1
    return requests[next_request]
  end
end

-- RESULT <requests/s> <p50 ms> <p99 ms> <p99.9 ms> <non-2xx %>
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local non2xx = summary.errors.status
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %.3f\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.requests > 0 and 100 * non2xx / summary.requests or 0))
end
