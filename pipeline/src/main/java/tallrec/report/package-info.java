/**
 * Reports: the paper's Table 3 and figures rendered from metrics, ROC curves, training logs and
 * provenance, as Markdown and PNG in {@code notebooks-export}. May import {@code data}, {@code eval}
 * and {@code io}; a report reads outputs, it never runs a stage.
 */
package tallrec.report;
