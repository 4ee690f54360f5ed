package tallrec.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Expected ids written once by Google's sentencepiece (see resources/tokenizer/generate_expected.py). */
final class ExpectedIds {

  record EncodeCase(String text, int[] ids, String decoded) {}

  record DecodeCase(int[] ids, String decoded) {}

  final List<EncodeCase> cases = new ArrayList<>();
  final List<DecodeCase> decodeCases = new ArrayList<>();

  static ExpectedIds read(String resource) throws IOException {
    try (InputStream in = ExpectedIds.class.getResourceAsStream("/tokenizer/" + resource)) {
      if (in == null) {
        throw new IOException("test resource /tokenizer/" + resource + " missing");
      }
      JsonNode root = new ObjectMapper().readTree(in);
      ExpectedIds e = new ExpectedIds();
      for (JsonNode c : root.get("cases")) {
        e.cases.add(new EncodeCase(c.get("text").asText(), ints(c.get("ids")), c.get("decoded").asText()));
      }
      for (JsonNode c : root.get("decode_cases")) {
        e.decodeCases.add(new DecodeCase(ints(c.get("ids")), c.get("decoded").asText()));
      }
      return e;
    }
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
