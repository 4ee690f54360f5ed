package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tallrec.conf.TallRecConf;

/** {@code tallrec.model.precision} is checked where it is read, naming the key; auto stays for the device to decide. */
class PrecisionSettingTest {

  @Test
  void aKnownSpellingPassesAndATypoNamesTheKey() {
    assertEquals("auto", Precision.configured(TallRecConf.defaults()));
    assertEquals("fp16", Precision.configured(TallRecConf.load(null, List.of("model.precision=fp16"), Map.of())));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Precision.configured(TallRecConf.load(null, List.of("model.precision=f61"), Map.of())));
    assertEquals("tallrec.model.precision = \"f61\": not a precision (f32, f16, bf16, auto)", e.getMessage());
  }
}
