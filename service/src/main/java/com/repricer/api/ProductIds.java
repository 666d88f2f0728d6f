package com.repricer.api;

import com.repricer.rules.ProductIdRule;

import java.util.Optional;

/** Checks a product id from a request against {@link ProductIdRule}, reporting the problem under its field. */
public final class ProductIds {

    /** What the API calls a product id: the request body's field, the query parameter, the name in a 400. */
    public static final String FIELD = "productId";

    private ProductIds() {
    }

    /**
     * @param name the field or parameter name to report the problem under
     * @return the problem with {@code id}, or empty if it is a valid product id
     */
    public static Optional<InvalidParam> validate(String name, String id) {
        return ProductIdRule.problem(id).map(reason -> new InvalidParam(name, reason));
    }
}
