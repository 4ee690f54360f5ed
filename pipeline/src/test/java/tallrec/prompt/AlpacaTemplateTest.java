package tallrec.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import tallrec.testing.SharedData;

/** The Alpaca template is alpaca-lora's, byte for byte. */
class AlpacaTemplateTest {

  @Test
  void matchesAlpacaLorasTemplateFile() throws Exception {
    JsonNode t = new ObjectMapper().readTree(Files.readString(SharedData.require("data/alpaca/template_alpaca.json")));
    assertEquals(t.get("prompt_input").asText(), AlpacaTemplate.PROMPT_INPUT);
    assertEquals(t.get("prompt_no_input").asText(), AlpacaTemplate.PROMPT_NO_INPUT);
    assertEquals(t.get("response_split").asText(), AlpacaTemplate.RESPONSE_SPLIT);
  }

  @Test
  void fillsSlotsLiterally() {
    String p = AlpacaTemplate.prompt("Do {input} 100%", "x {instruction} $1");
    assertEquals("Below is an instruction that describes a task, paired with an input that provides further context. "
        + "Write a response that appropriately completes the request.\n\n"
        + "### Instruction:\nDo {input} 100%\n\n### Input:\nx {instruction} $1\n\n### Response:\n", p);
  }

  @Test
  void noInputUsesTheShortTemplate() {
    String expected = "Below is an instruction that describes a task. "
        + "Write a response that appropriately completes the request.\n\n### Instruction:\nSay hi\n\n### Response:\n";
    assertEquals(expected, AlpacaTemplate.prompt("Say hi", ""));
    assertEquals(expected, AlpacaTemplate.prompt("Say hi", null));
  }
}
