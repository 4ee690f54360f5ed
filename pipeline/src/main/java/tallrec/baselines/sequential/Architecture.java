package tallrec.baselines.sequential;

/** The four sequential baselines of the TALLRec paper; DROS is GRU4Rec trained with the robust loss. */
public enum Architecture {
  GRU4REC("gru4rec"),
  CASER("caser"),
  SASREC("sasrec"),
  DROS("dros");

  public final String baselineName;

  Architecture(String baselineName) {
    this.baselineName = baselineName;
  }

  boolean acceptsItemVectors() {
    return this == GRU4REC || this == DROS;
  }

  SeqModel build(Params p, SeqSettings s, ItemIndex index, ItemVectors vectors) {
    if (vectors != null && !acceptsItemVectors()) {
      throw new IllegalArgumentException(baselineName + " does not take item vectors");
    }
    return switch (this) {
      case GRU4REC, DROS -> new Gru4Rec(p, s, index, vectors);
      case CASER -> new Caser(p, s, index);
      case SASREC -> new SasRec(p, s, index);
    };
  }
}
