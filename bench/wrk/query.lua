-- GET /api/query with the query string in QUERY (env), e.g. "pagesize=25&pageNumber=40000".
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local path = "/api/query?" .. (os.getenv("QUERY") or "")
function request()
  return wrk.format("GET", path)
end
