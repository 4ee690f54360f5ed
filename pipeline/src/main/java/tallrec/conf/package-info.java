/**
 * Configuration: the HOCON tree ({@code reference.conf} under {@code tallrec}, a user's file, {@code --set}
 * and flags) as {@link tallrec.conf.TallRecConf}, the known keys and their bounds, and what every stage
 * shares ({@link tallrec.conf.Domains}). The bottom layer: imports no other {@code tallrec} package.
 */
package tallrec.conf;
