package dev.shardline.cdc;

import picocli.CommandLine;

/** The sidecar entry point for tests: {@link Main} plus a Redis invalidator at {@code -Dtest.redis=redis://...}. */
public final class TestSidecarMain {
  private TestSidecarMain() {}

  public static void main(String[] args) {
    Main.defaultLogging();
    String redis = System.getProperty("test.redis");
    CdcCommand cmd = redis == null ? new CdcCommand() : new CdcCommand(cfg -> new RedisKeyInvalidator(redis));
    System.exit(new CommandLine(cmd).execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
  }
}
