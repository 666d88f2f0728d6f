/**
 * The rules of the contract that both the API and the storage enforce, each stated once: what a product id, a
 * price and an idempotency key may be, and how UTF-8 input is decoded. The API checks them to answer 400 with a
 * reason; the storage checks them again because its formats can hold nothing else.
 */
package com.repricer.rules;
