package tallrec.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tallrec.prompt.RecPrompt;
import tallrec.prompt.SamplePrompt;
import tallrec.testing.SharedData;

/**
 * TALLRec movie samples read straight from the GroupLens files (no Spark): per user, ratings in
 * time order, 10 history items + the next as target; like = rating > 3, titles quoted as the
 * prompt renders them. Enough for fixed training sets in tests.
 */
public final class RecFixtures {

  public record Sample(TuneData.Labeled labeled) {
    public SamplePrompt prompt() {
      return labeled.prompt();
    }

    public String response() {
      return labeled.response();
    }

    public int label() {
      return labeled.label();
    }
  }

  private RecFixtures() {}

  /** The first sample of each of the first {@code users} users (from user offset {@code skipUsers}). */
  public static List<Sample> movieLens(int users, int skipUsers) {
    try {
      Path ml = SharedData.require("data/ml-100k");
      Map<String, String> titles = new HashMap<>();
      for (String line : Files.readAllLines(ml.resolve("u.item"), StandardCharsets.ISO_8859_1)) {
        String[] f = line.split("\\|");
        titles.put(f[0], "\"" + f[1] + "\"");
      }
      TreeMap<Integer, List<long[]>> byUser = new TreeMap<>();
      for (String line : Files.readAllLines(ml.resolve("u.data"), StandardCharsets.UTF_8)) {
        String[] f = line.split("\t");
        byUser.computeIfAbsent(Integer.parseInt(f[0]), k -> new ArrayList<>())
            .add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
      }
      List<Sample> out = new ArrayList<>();
      int skipped = 0;
      for (Map.Entry<Integer, List<long[]>> e : byUser.entrySet()) {
        if (skipped++ < skipUsers) {
          continue;
        }
        List<long[]> r = e.getValue();
        r.sort(Comparator.<long[]>comparingLong(x -> x[2]).thenComparingLong(x -> x[0]));
        List<String> hist = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          hist.add(titles.get(Long.toString(r.get(i)[0])));
          labels.add(r.get(i)[1] > 3 ? 1 : 0);
        }
        int label = r.get(10)[1] > 3 ? 1 : 0;
        out.add(new Sample(TuneData.Labeled.rec("u" + e.getKey(), "movie", hist, labels,
            titles.get(Long.toString(r.get(10)[0])), label == 1 ? RecPrompt.YES : RecPrompt.NO, label)));
        if (out.size() == users) {
          break;
        }
      }
      return out;
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }
}
