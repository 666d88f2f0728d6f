package com.repricer.api;

/**
 * The product id in {@code GET /api/product/{productId}/price}: everything between the {@code /api/product/}
 * prefix and the final {@code /price}, percent-decoded as UTF-8. A raw {@code /} is part of the id like an
 * encoded {@code %2F}; {@code +} is a literal plus (this is a path, not a form).
 */
public final class ProductPath {

    private static final String PREFIX = "/api/product/";
    private static final String SUFFIX = "/price";

    private ProductPath() {
    }

    /**
     * @param rawPath the request path as received, still percent-encoded, without the query
     * @return the decoded, validated product id
     * @throws NotFound           if the path is not a product price path or its id is empty
     * @throws BadRequestException naming {@code productId} if the id is badly encoded or not a valid id
     */
    public static String productId(String rawPath) {
        if (rawPath == null || !rawPath.startsWith(PREFIX) || !rawPath.endsWith(SUFFIX)
            || rawPath.length() < PREFIX.length() + SUFFIX.length()) {
            throw new NotFound("not a product price path");
        }
        String encoded = rawPath.substring(PREFIX.length(), rawPath.length() - SUFFIX.length());
        if (encoded.isEmpty()) {
            throw new NotFound("the product id is empty");
        }
        String id = PercentDecoding.decode(ProductIds.FIELD, encoded);
        ProductIds.validate(ProductIds.FIELD, id).ifPresent(problem -> {
            throw BadRequestException.of(problem);
        });
        return id;
    }

    /** The path names no product (HTTP 404). */
    public static final class NotFound extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            // No stack trace: an expected answer to a client's path, not a fault.
            super(message, null, false, false);
        }
    }
}
