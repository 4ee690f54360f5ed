/**
 * Raw ratings and items to the canonical Parquet tables: source formats (MovieLens, BookCrossing,
 * CSV), line-level rejects with a reason, and the schemas every later stage reads
 * ({@link tallrec.data.Schemas}). May import {@code conf} and {@code io} only (the like rule comes from
 * {@link tallrec.conf.Domains}, not from the dataset layer above).
 */
package tallrec.data;
