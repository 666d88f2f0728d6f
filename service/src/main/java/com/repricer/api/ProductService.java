package com.repricer.api;

import com.repricer.storage.Ledger;
import com.repricer.storage.PriceRecord;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /api/product/{productId}/price}: the product's last durable price. The id may contain slashes, so
 * the route takes everything under {@code /api/product/} and {@link ProductPath} cuts the id out of the raw path.
 */
record ProductService(Ledger ledger) implements Handler {

    @Override
    public void handle(ServerRequest request, ServerResponse response) {
        String productId = ProductPath.productId(request.path().absolute().rawPath());
        PriceRecord latest = ledger.latest(productId)
                                   .orElseThrow(() -> new ProductPath.NotFound("product " + productId
                                                                               + " has never been priced"));
        Responses.json(response, RecordJson.latest(latest));
    }
}
