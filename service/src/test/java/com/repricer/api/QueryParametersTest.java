package com.repricer.api;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QueryParametersTest {

    @Test
    void aPlusIsAPlusAndEscapesAreDecodedAsUtf8() {
        assertThat(QueryParameters.parse("productId=p+q%20r%2B%C3%A9&from=2026-11-27T00:00:00+00:00"),
                   is(Map.of("productId", List.of("p+q r+é"), "from", List.of("2026-11-27T00:00:00+00:00"))));
    }

    @Test
    void aParameterWithoutEqualsIsGivenWithTheEmptyValue() {
        assertThat(QueryParameters.parse("foo"), is(Map.of("foo", List.of(""))));
        assertThat(QueryParameters.parse("pagesize=1&pagesize"), is(Map.of("pagesize", List.of("1", ""))));
        assertThat(QueryParameters.parse("productId&productId=x"), is(Map.of("productId", List.of("", "x"))));
    }

    @Test
    void emptyFieldsAndAnEmptyQueryNameNothing() {
        assertThat(QueryParameters.parse(""), is(Map.of()));
        assertThat(QueryParameters.parse(null), is(Map.of()));
        assertThat(QueryParameters.parse("a=1&&b=2&"), is(Map.of("a", List.of("1"), "b", List.of("2"))));
    }

    @Test
    void namesKeepTheOrderFirstGiven() {
        assertThat(QueryParameters.parse("to=2&from=1&to=3").keySet(), contains("to", "from"));
    }

    @Test
    void aBadEscapeIs400NamingTheParameter() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> QueryParameters.parse("from=%ZZ"));
        assertThat(e.invalidParams().getFirst().name(), is("from"));

        BadRequestException invalidUtf8 = assertThrows(BadRequestException.class,
                                                       () -> QueryParameters.parse("productId=%C3"));
        assertThat(invalidUtf8.invalidParams().getFirst().name(), is("productId"));
    }
}
