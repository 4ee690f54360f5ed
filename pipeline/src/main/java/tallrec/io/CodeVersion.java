package tallrec.io;

/** The code version recorded in manifests, so a rerun after an upgrade redoes its stages. */
public final class CodeVersion {

  private CodeVersion() {}

  public static String get() {
    String version = CodeVersion.class.getPackage().getImplementationVersion();
    if (version == null) {
      version = "dev";
    }
    // bin/tallrec passes the checkout's commit; a shaded jar built by CI may not have one.
    String commit = System.getProperty("tallrec.git.commit", System.getenv("TALLREC_GIT_COMMIT"));
    return commit == null || commit.isBlank() ? version : version + "+" + commit;
  }
}
