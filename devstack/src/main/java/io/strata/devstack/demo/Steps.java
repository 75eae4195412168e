package io.strata.devstack.demo;

import java.io.PrintStream;

/** Prints the demo as numbered steps, each with its details indented under it. */
final class Steps {
    private final PrintStream out;
    private int number;

    Steps(PrintStream out) {
        this.out = out;
    }

    void next(String title) {
        number++;
        out.println(number + ". " + title);
    }

    void detail(String text) {
        out.println("   " + text);
    }
}
