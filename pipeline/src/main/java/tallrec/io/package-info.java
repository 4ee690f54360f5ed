/**
 * Output discipline on the Hadoop FileSystem API: staged outputs committed by rename with a
 * manifest ({@link tallrec.io.StagedCommit}, {@link tallrec.io.Manifest}), the checks that refuse
 * partial output, and the code version stamped into every manifest. The bottom layer: imports no
 * other {@code tallrec} package.
 */
package tallrec.io;
