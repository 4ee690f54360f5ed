/** Building Spark sessions the way every command needs them. Imports no other {@code tallrec} package. */
package tallrec.spark;
