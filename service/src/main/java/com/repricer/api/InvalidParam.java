package com.repricer.api;

import java.util.Objects;

/**
 * One entry of an RFC 9457 {@code invalid-params} list.
 *
 * @param name   the body field or query/path parameter at fault, as the client wrote it
 * @param reason what is wrong with it, phrased to follow the name ({@code "price: must be greater than 0"})
 */
public record InvalidParam(String name, String reason) {

    public InvalidParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
    }
}
