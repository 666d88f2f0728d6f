package com.repricer.operator;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;

/** Runs the command line in-process against a given client, capturing its output. */
public record CliRun(int exitCode, String out, String err) {

    public static CliRun run(KubernetesClient client, Clock clock, Lifetime lifetime, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        OperatorCli cli = new OperatorCli(() -> client, clock, new PrintWriter(out, true), lifetime, "test-host");
        int code = OperatorCli.commandLine(cli, new PrintWriter(err, true)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    public static CliRun run(KubernetesClient client, Clock clock, String... args) {
        return run(client, clock, port -> {
            throw new AssertionError("a one-shot command must not wait");
        }, args);
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
    }
}
