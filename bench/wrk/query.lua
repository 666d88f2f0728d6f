-- GET /api/query with the query string in QUERY (env), e.g. "pagesize=25&pageNumber=40000".
-- One fixed request: wrk sends it without calling into Lua per request.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "GET"
wrk.path = "/api/query?" .. (os.getenv("QUERY") or "")
