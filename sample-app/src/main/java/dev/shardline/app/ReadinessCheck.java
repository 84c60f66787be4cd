package dev.shardline.app;

/** One dependency the service needs to be ready: it reports up or down with a short detail. */
public interface ReadinessCheck {
  /** The dependency's name in {@code /ready}, e.g. {@code shard-1/primary}, {@code redis}, {@code cdc}. */
  String name();

  /** Returns null when up, else what is wrong. */
  String problem();
}
