-- Shared by every scenario: one machine-readable line at the end of a wrk run.
-- RESULT <requests/s> <p50 ms> <p99 ms> <p99.9 ms> <non-2xx %>
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local non2xx = summary.errors.status
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %.3f\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.requests > 0 and 100 * non2xx / summary.requests or 0))
end
