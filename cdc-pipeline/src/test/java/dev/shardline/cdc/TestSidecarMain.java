package dev.shardline.cdc;

import dev.shardline.cdc.internal.SidecarCache;
import picocli.CommandLine;

/**
 * The sidecar entry point for tests: {@link Main}'s command with the built-in RedissonCacheAside
 * invalidator wrapped in a {@link RecordingInvalidator} on the same Redis.
 */
public final class TestSidecarMain {
  private TestSidecarMain() {}

  public static void main(String[] args) {
    Main.defaultLogging();
    String redis = System.getProperty("test.redis");
    CdcCommand cmd = new CdcCommand((cfg, cdc, registry) -> new RecordingInvalidator(SidecarCache.open(cfg, cdc, registry), redis));
    System.exit(new CommandLine(cmd).execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
  }
}
