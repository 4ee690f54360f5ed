/**
 * The command line ({@code bin/tallrec}, {@code spark-submit}): one command class per verb, parsing
 * options into the stages' settings and printing their results. The top layer: may import every
 * {@code tallrec} package; nothing imports it.
 */
package tallrec.jobs;
