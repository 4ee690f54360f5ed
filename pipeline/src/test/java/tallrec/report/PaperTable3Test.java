package tallrec.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tallrec.testing.SharedData;

/**
 * {@link PaperTable3} is the paper's Table 3 as published: compared cell for cell with the
 * transcription in {@code ../shared/reference/paper_table3.tsv} (read in place, never copied).
 */
class PaperTable3Test {

  private static final String TSV = "reference/paper_table3.tsv";

  /** One transcribed cell, as printed (two decimals). */
  record Cell(String method, String domain, int k, String text) {}

  @Test
  void everyCellIsThePublishedOne() throws IOException {
    Path tsv = SharedData.require(TSV);
    List<String> rows = Files.readAllLines(tsv, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    List<String> header = Arrays.asList(rows.get(0).split("\t"));
    assertEquals(List.of("domain", "K"), header.subList(0, 2), tsv + " header: " + header);
    List<String> methods = header.subList(2, header.size());
    assertEquals(methods, PaperTable3.methods(), "the methods of Table 3, in the paper's order");

    List<Cell> cells = new ArrayList<>();
    List<String> settings = new ArrayList<>();
    for (String row : rows.subList(1, rows.size())) {
      String[] f = row.split("\t");
      assertEquals(header.size(), f.length, tsv + ": " + row);
      int k = Integer.parseInt(f[1]);
      settings.add(f[0] + " " + k);
      for (int i = 0; i < methods.size(); i++) {
        cells.add(new Cell(methods.get(i), f[0], k, f[2 + i]));
      }
    }
    List<String> ours = new ArrayList<>();
    PaperTable3.DOMAINS.forEach(d -> PaperTable3.KS.forEach(k -> ours.add(d + " " + k)));
    assertEquals(settings, ours, "the (domain, K) settings of Table 3");

    List<String> wrong = new ArrayList<>();
    for (Cell c : cells) {
      String v = PaperTable3.value(c.method(), c.domain(), c.k())
          .map(x -> String.format(Locale.ROOT, "%.2f", x)).orElse("none");
      if (!v.equals(c.text()) || Double.parseDouble(c.text()) != PaperTable3.value(c.method(), c.domain(), c.k())
          .orElse(Double.NaN)) {
        wrong.add(c.method() + " " + c.domain() + " K=" + c.k() + ": " + v + ", published " + c.text());
      }
    }
    assertEquals(List.of(), wrong, "cells of PaperTable3 that differ from " + tsv);
    assertEquals(6 * 7, cells.size());
  }

  @Test
  void theSignificanceMarksAreWhereThePaperGivesThem() throws IOException {
    Path tsv = SharedData.require(TSV);
    // "# The paper marks movie 16/64/256 and book 64/256 TALLRec results as significantly better ..."
    String note = Files.readAllLines(tsv, StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("#") && l.contains("significantly better")).findFirst()
        .orElseThrow(() -> new AssertionError(tsv + " has no line saying which cells the paper marks"));
    Matcher who = Pattern.compile("marks (.*) (\\S+) results as significantly").matcher(note);
    assertTrue(who.find(), note);
    String method = who.group(2);
    TreeSet<String> published = new TreeSet<>();
    Matcher m = Pattern.compile("(movie|book) ([0-9]+(?:/[0-9]+)*)").matcher(who.group(1));
    while (m.find()) {
      for (String k : m.group(2).split("/")) {
        published.add(method + "|" + m.group(1) + "|" + k);
      }
    }
    assertFalse(published.isEmpty(), note);
    TreeSet<String> ours = new TreeSet<>();
    for (String pm : PaperTable3.methods()) {
      for (String d : PaperTable3.DOMAINS) {
        for (int k : PaperTable3.KS) {
          if (PaperTable3.significant(pm, d, k)) {
            ours.add(pm + "|" + d + "|" + k);
          }
          assertEquals(PaperTable3.significant(pm, d, k), PaperTable3.text(pm, d, k).endsWith(PaperTable3.SIGNIFICANT));
        }
      }
    }
    assertEquals(published, ours, "the cells marked " + PaperTable3.SIGNIFICANT + " (" + note + ")");
  }

  @Test
  void nothingOutsideTable3IsPresentedAsPublished() {
    // The ICL baselines and the AT/RT ablation are only plotted in the paper (Figure 3).
    for (String[] mv : new String[][] {{"llama", "icl"}, {"icl", ""}, {"alpaca-lora", ""}, {"llama", "AT"},
        {"llama", "RT"}}) {
      assertTrue(PaperTable3.match(mv[0], mv[1]).isEmpty(), String.join("/", mv));
    }
    assertTrue(PaperTable3.value("Alpaca-LoRA (ICL)", "movie", 16).isEmpty());
    assertTrue(PaperTable3.value("TALLRec", "movie", 128).isEmpty());
    assertEquals("TALLRec", PaperTable3.match("llama", "tallrec").orElseThrow().method());
    assertFalse(PaperTable3.SOURCE.toLowerCase(Locale.ROOT).contains("issue"), PaperTable3.SOURCE);
  }
}
