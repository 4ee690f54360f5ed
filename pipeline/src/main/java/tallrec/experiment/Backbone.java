package tallrec.experiment;

import com.typesafe.config.Config;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;
import tallrec.llm.RandomCheckpoint;
import tallrec.report.ReportRenderer;
import tallrec.synth.SyntheticMovieLens;
import tallrec.train.CorpusPretraining;

/**
 * The experiment's backbone ({@code experiment.model}): a given checkpoint, or one this run builds
 * into {@code OUT/model} — random initial weights ({@code path = random}) or a small model
 * pretrained on a synthetic dataset's corpus ({@code path = pretrained-on-synth}, the demo's).
 * Tuning and scoring steps read {@link #path()}; a built backbone is their upstream ({@link #step()}).
 *
 * @param path the model path tune and score load (local: DJL memory-maps the weights)
 * @param tokenizer the tokenizer path, or null for the model directory's own
 * @param name the scores' model column
 * @param description what the report's title calls the backbone
 * @param step the step that builds it, or null for a given checkpoint
 */
record Backbone(String path, String tokenizer, String name, String description, Step step) {

  /** {@code experiment.model.path} for a random-init model built here. */
  static final String RANDOM = "random";
  /** {@code experiment.model.path} for a small model pretrained here on a synthetic dataset's corpus (the demo's). */
  static final String PRETRAINED_ON_SYNTH = "pretrained-on-synth";

  /** The output of the step that builds the backbone, or none for a given checkpoint. */
  List<Path> upstream() {
    return step == null ? List.of() : List.of(step.output());
  }

  /**
   * Plans the backbone of {@code model} ({@code experiment.model}).
   *
   * @param synthRaw the experiment's synthetic datasets and the raw directories their synth steps write
   * @param nouns the prompt nouns of the experiment's domains (pretraining renders prompts with them)
   */
  static Backbone plan(Config model, Path out, Map<String, Path> synthRaw, List<String> nouns, Configuration hadoop,
      PrintStream log) {
    String path = model.getString("path");
    if (path.isBlank()) {
      throw new IllegalArgumentException("experiment.model.path is not set (a Hugging Face model directory, a llama2.c"
          + " .bin with model.tokenizer, or \"random\"); or set experiment.rec-tuning.variants = [] for baselines only");
    }
    String tokenizer = model.getString("tokenizer").isBlank() ? null : model.getString("tokenizer");
    String name = model.getString("name");
    ModelDirectory dir = new ModelDirectory(new Path(out, "model"), hadoop, log);
    if (RANDOM.equals(path)) {
      Config r = model.getConfig("random");
      RandomCheckpoint.Shape shape = RandomCheckpoint.Shape.from(r);
      long seed = r.getLong("seed");
      name = name.isBlank() ? "tiny-llama-random" : name;
      Step step = new Step(Stage.MODEL, "tiny LLaMA-shaped model, random initial weights, byte tokenizer", dir.path,
          Step.json(r), List.of(), List.of(), cfg -> dir.writeRandom(shape, seed, cfg));
      return new Backbone(localPath(dir.path), tokenizer, name, name + " (random initial weights, byte tokenizer, "
          + shape + ", built by this run)", step);
    }
    if (PRETRAINED_ON_SYNTH.equals(path)) {
      return pretrained(model, dir, tokenizer, synthRaw, nouns);
    }
    name = name.isBlank() ? new Path(path).getName() : name;
    return new Backbone(path, tokenizer, name, name + " (" + path + ")", null);
  }

  /**
   * The pretrain stage: a small LLaMA-shaped model pretrained on a synthetic dataset's
   * {@code corpus.txt} ({@link CorpusPretraining}), written as a Hugging Face directory.
   */
  private static Backbone pretrained(Config model, ModelDirectory dir, String tokenizer, Map<String, Path> synthRaw,
      List<String> nouns) {
    String key = "experiment.model." + PRETRAINED_ON_SYNTH;
    Config p = model.getConfig(PRETRAINED_ON_SYNTH);
    String dataset = p.getString("dataset");
    if (dataset.isBlank()) {
      if (synthRaw.size() != 1) {
        throw new IllegalArgumentException(key + ".dataset: name the synthetic dataset whose corpus to pretrain on"
            + (synthRaw.isEmpty() ? " (none of experiment.datasets has a synth section)" : "; synthetic: "
            + synthRaw.keySet()));
      }
      dataset = synthRaw.keySet().iterator().next();
    }
    Path raw = synthRaw.get(dataset);
    if (raw == null) {
      throw new IllegalArgumentException(key + ".dataset: '" + dataset + "' is not a synthetic dataset of this"
          + " experiment; synthetic: " + synthRaw.keySet());
    }
    CorpusPretraining.Settings settings = CorpusPretraining.Settings.from(p, nouns);
    String name = model.getString("name").isBlank() ? "tiny-llama-" + PRETRAINED_ON_SYNTH : model.getString("name");
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dataset", dataset);
    json.put("pretrain", p.withoutPath("dataset").root().unwrapped());
    json.put("nouns", nouns);
    String corpus = dataset;
    Step step = new Step(Stage.PRETRAIN, "tiny LLaMA-shaped model pretrained on the " + dataset + " corpus", dir.path,
        Step.json(json), List.of(raw), List.of(), cfg -> dir.writePretrained(new Path(raw,
            SyntheticMovieLens.CORPUS_FILE), corpus, settings, cfg));
    return new Backbone(localPath(dir.path), tokenizer, name, name + " (" + ReportRenderer.SYNTHETIC_BACKBONE + " "
        + dataset + " corpus, word-level tokenizer, " + settings.shape() + ")", step);
  }

  /** DJL reads weights memory-mapped from a local path: model directories must be local (or on a shared mount). */
  static String localPath(Path p) {
    String s = p.toString();
    if (s.startsWith("file:")) {
      return Paths.get(p.toUri()).toString();
    }
    if (s.contains("://")) {
      throw new IllegalArgumentException("the model directory must be on a local or mounted file system: " + p);
    }
    return s;
  }

  /** {@code OUT/model}, built in a staging directory and renamed into place with its manifest. */
  private static final class ModelDirectory {
    private final Path path;
    private final Configuration hadoop;
    private final PrintStream log;

    ModelDirectory(Path path, Configuration hadoop, PrintStream log) {
      this.path = path;
      this.hadoop = hadoop;
      this.log = log;
    }

    /** What builds a model directory into a staging path and says what to record. */
    private interface Builder {
      Manifest build(java.nio.file.Path staging) throws IOException;
    }

    void writeRandom(RandomCheckpoint.Shape shape, long seed, String cfg) throws IOException {
      commit("model", staging -> {
        long params = RandomCheckpoint.write(staging, shape, seed);
        log.printf("      %,d parameters%n", params);
        return new Manifest("model").config(cfg).property("parameters", Long.toString(params))
            .property("weights", "random initial weights (N(0, 0.02)), seed " + seed);
      });
    }

    void writePretrained(Path corpusFile, String dataset, CorpusPretraining.Settings settings, String cfg)
        throws IOException {
      List<String> corpus = new ArrayList<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(Fs.of(corpusFile, hadoop).open(corpusFile),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!line.isBlank()) {
            corpus.add(line);
          }
        }
      }
      if (settings.withInstructions()) {
        Path alpaca = new Path(corpusFile.getParent(), SyntheticMovieLens.ALPACA_FILE);
        try (InputStream in = Fs.of(alpaca, hadoop).open(alpaca)) {
          corpus.addAll(CorpusPretraining.instructionDocuments(new String(in.readAllBytes(), StandardCharsets.UTF_8),
              alpaca.toString()));
        }
      }
      commit("pretrain", staging -> {
        CorpusPretraining.Outcome o = CorpusPretraining.build(corpus, settings, staging, log);
        log.printf("      %,d parameters, %,d-word vocabulary, %,d sentences; loss %.3f (first epoch) -> %.3f (last)"
            + " in %.1f s (%,.0f tokens/s)%n", o.parameters(), o.vocabulary(), o.sentences(),
            o.result().firstEpochLoss(), o.result().lastEpochLoss(), o.result().seconds(),
            o.result().tokens() / o.result().seconds());
        return new Manifest("pretrain").config(cfg).rows("sentences", o.sentences())
            .property("parameters", Long.toString(o.parameters()))
            .property("vocabulary", Integer.toString(o.vocabulary()))
            .property("corpus", corpusFile.toString())
            .property("dataset", dataset)
            .property("loss_first_epoch", String.format(Locale.ROOT, "%.4f", o.result().firstEpochLoss()))
            .property("loss_last_epoch", String.format(Locale.ROOT, "%.4f", o.result().lastEpochLoss()));
      });
    }

    /** Builds into a staging directory and renames it into place, with its manifest. */
    private void commit(String stage, Builder builder) throws IOException {
      java.nio.file.Path target = Paths.get(localPath(path));
      // Named as StagedCommit names its directories, so that what a killed attempt left goes too.
      String prefix = StagedCommit.stagingPrefix(target.getFileName().toString(), stage);
      long start = System.currentTimeMillis();
      StagedCommit.removeStale(hadoop, new Path(target.getParent().toUri()), prefix, start);
      java.nio.file.Path staging = target.resolveSibling(prefix + start + "-" + UUID.randomUUID());
      try {
        builder.build(staging).write(new Path(staging.toUri()), hadoop);
        if (Files.exists(target)) {
          Fs.deleteRecursively(new Path(target.toUri()), hadoop);
        }
        Files.move(staging, target);
      } finally {
        if (Files.exists(staging)) {
          Fs.deleteRecursively(new Path(staging.toUri()), hadoop);
        }
      }
    }
  }
}
