package tallrec.conf;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Enum-valued settings: the constant whose configuration name is given, or an error listing the accepted ones. */
public final class NamedValues {

  private NamedValues() {}

  /**
   * @param what the setting's name in the error, e.g. "truncation"
   * @throws IllegalArgumentException {@code unknown WHAT 'VALUE' (expected one of A, B)}
   */
  public static <E extends Enum<E>> E named(Class<E> type, Function<E, String> nameOf, String value, String what) {
    E[] all = type.getEnumConstants();
    for (E e : all) {
      if (nameOf.apply(e).equals(value)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown " + what + " '" + value + "' (expected one of "
        + Arrays.stream(all).map(nameOf).collect(Collectors.joining(", ")) + ")");
  }
}
