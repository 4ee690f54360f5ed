package tallrec.jobs;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.NamedValues;
import tallrec.llm.Generator;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.MklDispatch;
import tallrec.llm.ModelPresets;
import tallrec.llm.Precision;
import tallrec.llm.ScoringBench;

/** {@code tallrec bench generation}: greedy decoding tokens/s of each decoder, side by side in one run. */
@Command(
    name = "generation",
    mixinStandardHelpOptions = true,
    description = "Greedy decoding from BOS with the engine decoder (libtorch) and the plain-Java decoder, after a "
        + "warm-up, in one run: tokens/s of each and their ratio. stories260K uses the real checkpoint when "
        + "../shared has it (as bench scoring); other presets get random weights.")
public final class BenchGenerationCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--preset", defaultValue = "stories260K", paramLabel = "NAME",
      description = "Model shape (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(names = "--tokens", defaultValue = "256", description = "New tokens per timed run (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Option(names = "--repeats", defaultValue = "3", description = "Timed runs per decoder; the best is kept.")
  int repeats;

  @Option(names = "--decoders", split = ",", defaultValue = "engine,java")
  List<String> decoders;

  @Override
  public Integer call() {
    common.resolve(Map.of());
    LlamaConfig cfg = ModelPresets.require(preset);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (NDManager m = NDManager.newBaseManager()) {
      LlamaModel model = BenchScoringCommand.presetModel(preset, cfg, m, Precision.F32);
      cfg = model.config();
      int n = Math.min(tokens, cfg.maxPositions - 1);
      out.printf("model %s: %s, %.2fM parameters, f32; %d new tokens from BOS, best of %d%n", preset, cfg,
          cfg.parameterCount() / 1e6, n, repeats);
      out.printf("threads: %d torch intra-op; %s; %s%n", ScoringBench.torchThreads(), MklDispatch.describe(),
          JitMode.describe());
      double first = 0;
      for (String name : decoders) {
        Generator.Decoder d = NamedValues.named(Generator.Decoder.class,
            x -> x.name().toLowerCase(Locale.ROOT), name, "--decoders");
        Generator g = new Generator(model);
        Generator.Options o = new Generator.Options().maxNewTokens(n).decoder(d);
        o.stopAtEos = false;
        g.generate(new int[] {cfg.bosId}, new Generator.Options().maxNewTokens(Math.min(n, 64)).decoder(d));
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
          long t0 = System.nanoTime();
          int got = g.generate(new int[] {cfg.bosId}, o).length;
          best = Math.min(best, (System.nanoTime() - t0) / 1e9 / got);
        }
        double rate = 1 / best;
        first = first == 0 ? rate : first;
        out.printf("%-6s decoder: %.0f tokens/s%s%n", name, rate,
            rate == first ? "" : String.format(Locale.ROOT, " = %.1fx the %s decoder", rate / first,
                decoders.get(0)));
      }
      model.close();
    }
    return 0;
  }
}
