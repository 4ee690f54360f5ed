package tallrec.jobs;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.NamedValues;
import tallrec.llm.Generator;
import tallrec.llm.LlamaCheckpoints;

/** {@code tallrec generate}: text continuation from a LLaMA checkpoint (a smoke test of a model). */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Continue a prompt with a LLaMA model; prints prompt + continuation on stdout (logs on stderr).")
public final class GenerateCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Mixin PrecisionOption precisionOption;

  @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
      description = "HF model directory, a .safetensors file (config.json beside it) or a llama2.c .bin.")
  Path model;

  @Option(names = "--tokenizer", paramLabel = "PATH",
      description = "tokenizer.model or llama2.c tokenizer .bin; default: the model directory's (required for llama2.c).")
  Path tokenizer;

  @Option(names = "--prompt", defaultValue = "", description = "Prompt text; empty = start from BOS only.")
  String prompt;

  @Option(names = "--max-new-tokens", defaultValue = "64")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy.")
  double temperature;

  @Option(names = "--top-p", defaultValue = "1.0")
  double topP;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Option(names = "--decoder", defaultValue = "auto", paramLabel = "auto|engine|java",
      description = "Where decoding steps run: engine (libtorch), java (plain Java loops: no per-op overhead, for "
          + "models up to 8M parameters on the CPU), auto (java where it suits, else engine). Default: auto.")
  String decoder;

  @Override
  public Integer call() {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("--temperature must be 0 (greedy) or positive, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
    }
    String precision = precisionOption.resolve(common);
    PrintStream err = System.err;
    long t0 = System.nanoTime();
    try (NDManager m = NDManager.newBaseManager();
        LlamaCheckpoints.Loaded l = LlamaCheckpoints.load(model,
            new LlamaCheckpoints.Options().tokenizer(tokenizer).precision(precision), m)) {
      err.printf("loaded %s: %s in %.2f s%n", l.source, l.model.config(), (System.nanoTime() - t0) / 1e9);
      int[] ids = l.tokenizer.encode(prompt, true);
      long t1 = System.nanoTime();
      Generator generator = new Generator(l.model);
      Generator.Options options = new Generator.Options().maxNewTokens(maxNewTokens).temperature(temperature)
          .topP(topP).seed(seed).decoder(NamedValues.named(Generator.Decoder.class,
              x -> x.name().toLowerCase(Locale.ROOT), decoder, "--decoder"));
      int[] out = generator.generate(ids, options);
      double sec = (System.nanoTime() - t1) / 1e9;
      err.printf("generated %d tokens in %.2f s (%.1f tokens/s, %s decoder)%n", out.length, sec, out.length / sec,
          generator.resolve(options).name().toLowerCase(Locale.ROOT));
      int[] all = new int[ids.length + out.length];
      System.arraycopy(ids, 0, all, 0, ids.length);
      System.arraycopy(out, 0, all, ids.length, out.length);
      // Decode prompt + continuation together (a continuation's first piece may carry the space
      // that joins it to the prompt), then print the user's prompt verbatim before the new text.
      String whole = l.tokenizer.decode(all);
      String head = l.tokenizer.decode(ids);
      String text = whole.startsWith(head) ? prompt + whole.substring(head.length()) : whole;
      PrintStream out8 = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      out8.println(text);
      out8.flush();
    }
    return 0;
  }
}
