package tallrec.synth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TitleGeneratorTest {

  @Test
  void titlesAreLatin1WithoutSeparators() {
    CharsetEncoder latin1 = StandardCharsets.ISO_8859_1.newEncoder();
    SplittableRandom rng = new SplittableRandom(3);
    int accented = 0;
    for (int i = 0; i < 50_000; i++) {
      String t = TitleGenerator.title(rng, i % Genres.COUNT);
      assertTrue(latin1.canEncode(t), t);
      assertFalse(t.contains("|") || t.contains("\t") || t.contains("\n"), t);
      assertTrue(!t.isEmpty() && t.equals(t.trim()), t);
      if (t.chars().anyMatch(c -> c > 127)) {
        accented++;
      }
    }
    assertTrue(accented > 500, "accented titles: " + accented);
  }

  @Test
  void titlesLeanOnTheGenre() {
    SplittableRandom rng = new SplittableRandom(4);
    int horror = 0;
    int sciFi = 0;
    for (int i = 0; i < 1_000; i++) {
      String h = TitleGenerator.title(rng, Genres.NAMES.indexOf("Horror"));
      String s = TitleGenerator.title(rng, Genres.NAMES.indexOf("Sci-Fi"));
      horror += h.matches(".*(Blood|Zombie|Vampire|Haunt|Scream|Curse|Crypt|Terror|Corpse|Evil"
          + "|Nightmare|Graveyard|Butcher|Undead|Hideous|Unholy|Rotting).*") ? 1 : 0;
      sciFi += s.matches(".*(Star|Galaxy|Robot|Planet|Android|Orbit|Cyborg|Alien|Nebula|Quantum"
          + "|Clone|Mars|Cosmic|Galactic|Interstellar|Electric|Atomic|Future).*") ? 1 : 0;
    }
    assertTrue(horror > 500 && sciFi > 500, "horror " + horror + ", sci-fi " + sciFi);
  }
}
