package dev.shardline.app;

/** One dependency the service needs to be ready: it reports up or down with a short detail. */
public interface ReadinessCheck {
    /** The dependency's name in {@code /ready}, e.g. {@code shard-1/primary}, {@code redis}, {@code cdc}. */
    String name();

    /** Returns null when up, else what is wrong. */
    String problem();

    /** Whether the service is unready while this dependency is down (false: reported, degrades only). */
    default boolean critical() {
        return true;
    }

    /** A check that is reported in {@code /ready} but never makes the service unready. */
    static ReadinessCheck reported(String name, java.util.function.Supplier<String> problem) {
        return new ReadinessCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String problem() {
                return problem.get();
            }

            @Override
            public boolean critical() {
                return false;
            }
        };
    }
}
