-- GET /api/product/{id}/price over PRODUCTS products (all priced beforehand).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "/api/product/p" .. (counter % products) .. "/price")
end
