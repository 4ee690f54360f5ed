package tallrec.jobs;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tallrec.conf.TallRecConf;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;

/** {@code tallrec synth}: writes a deterministic synthetic MovieLens-100K-format dataset. */
@Command(
    name = "synth",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a synthetic MovieLens-100K-format dataset (u.data, u.item, u.genre, u.info, README)"
          + " with a planted preference structure; same seed and sizes give the same bytes.",
      "Runs on the driver (no Spark job); OUT may be a local, hdfs:// or s3a:// path. Settings:"
          + " tallrec.synth.* (flags win)."
    })
public final class SynthCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin CommonOptions common;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "Output directory (created; staged next to it and renamed into place).")
  String out;

  @Option(names = "--ratings", paramLabel = "N",
      description = "Total ratings (config synth.ratings, default 20000).")
  Long ratings;

  @Option(names = "--users", paramLabel = "N",
      description = "Number of users (default: derived from --ratings).")
  Integer users;

  @Option(names = "--items", paramLabel = "N",
      description = "Number of items (default: derived from --ratings, at most 60000).")
  Integer items;

  @Option(names = "--seed", paramLabel = "S", description = "Random seed (config synth.seed).")
  Long seed;

  @Option(names = "--overwrite", description = "Replace a non-empty output directory.")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("synth.ratings", ratings);
    flags.put("synth.users", users);
    flags.put("synth.items", items);
    flags.put("synth.seed", seed);
    TallRecConf conf = common.resolve(flags);
    SynthParams params = SynthParams.fromConfig(conf.section("synth"));

    PrintWriter o = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    SyntheticMovieLens gen = new SyntheticMovieLens(params);
    o.printf(Locale.ROOT, "synth: %,d ratings, %,d users, %,d items, seed %d -> %s%n",
        params.ratings(), gen.users(), gen.items(), params.seed(), out);
    o.flush();
    SyntheticMovieLens.Result r = gen.writeTo(out, overwrite);
    double seconds = (System.nanoTime() - t0) / 1e9;
    for (Map.Entry<String, Long> f : r.fileBytes().entrySet()) {
      o.printf(Locale.ROOT, "  %-40s %,15d bytes%n", r.directory() + "/" + f.getKey(), f.getValue());
    }
    o.printf(Locale.ROOT,
        "wrote %,d ratings (%,d users, %,d items; mean %.2f, %.1f%% > 3), %,d bytes in %.2f s"
            + " (%,.0f ratings/s)%n",
        r.ratings(), r.users(), r.items(), r.meanRating(), 100 * r.likeShare(), r.totalBytes(),
        seconds, r.ratings() / Math.max(seconds, 1e-9));
    o.flush();
    return 0;
  }
}
