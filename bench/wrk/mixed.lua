-- 80 % product reads, 20 % reprices, over PRODUCTS products.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local products = tonumber(os.getenv("PRODUCTS") or "1000")
local counter = 0
function request()
  counter = counter + 1
  local id = counter % products
  if counter % 5 == 0 then
    local body = string.format('{"productId":"p%d","price":%d.%02d}', id, (counter % 997) + 1, counter % 100)
    return wrk.format("POST", "/api/reprice", {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/api/product/p" .. id .. "/price")
end
