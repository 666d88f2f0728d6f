package com.repricer.api;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A client error the HTTP layer answers with 400 and an RFC 9457 body. {@link #invalidParams()} names each
 * field or parameter at fault; it is empty only for whole-body problems (not JSON, not an object, …).
 */
public final class BadRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<InvalidParam> invalidParams;

    public BadRequestException(String detail) {
        this(detail, List.of());
    }

    public BadRequestException(String detail, List<InvalidParam> invalidParams) {
        // No stack trace: this is an expected answer to bad input, thrown at whatever rate clients send it.
        super(Objects.requireNonNull(detail, "detail"), null, false, false);
        this.invalidParams = List.copyOf(invalidParams);
    }

    /** An exception whose detail sums up the given problems, e.g. {@code "price: must be greater than 0"}. */
    public static BadRequestException of(List<InvalidParam> invalidParams) {
        String detail = invalidParams.stream()
                .map(p -> p.name() + ": " + p.reason())
                .collect(Collectors.joining("; "));
        return new BadRequestException(detail, invalidParams);
    }

    public static BadRequestException of(InvalidParam invalidParam) {
        return of(List.of(invalidParam));
    }

    public String detail() {
        return getMessage();
    }

    public List<InvalidParam> invalidParams() {
        return invalidParams;
    }
}
