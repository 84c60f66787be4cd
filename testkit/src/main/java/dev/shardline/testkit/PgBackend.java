package dev.shardline.testkit;

import dev.shardline.testkit.internal.DockerBackend;
import dev.shardline.testkit.internal.EmbeddedBackend;
import dev.shardline.testkit.internal.LocalBinariesBackend;
import java.util.Locale;

/**
 * How PostgreSQL servers are run: Docker (Testcontainers), local binaries (as the {@code postgres}
 * user when the JVM is root) or embedded binaries (zonky, no install needed). Chosen by {@link #detect()}.
 */
public interface PgBackend {
    String name();

    PgNode startPrimary(String name);

    /** Clones {@code primary} into a streaming replica and starts it. */
    PgNode startReplica(PgNode primary, String name);

    /** Deletes the backend's working files after every node has stopped. */
    void cleanup();

    /**
     * Picks a backend: {@code -Dshardline.pg.backend} or {@code SHARDLINE_PG_BACKEND} ({@code docker},
     * {@code local} or {@code embedded}) if set; else local binaries under
     * {@code /usr/lib/postgresql/<version>/bin} when present; else embedded. Docker is never picked
     * just because an engine answers: which suite runs on containers is the build's explicit choice.
     */
    static PgBackend detect() {
        String forced = System.getProperty("shardline.pg.backend", System.getenv("SHARDLINE_PG_BACKEND"));
        if (forced != null && !forced.isBlank()) {
            return switch (forced.toLowerCase(Locale.ROOT)) {
                case "docker" -> new DockerBackend();
                case "local" -> new LocalBinariesBackend();
                case "embedded" -> new EmbeddedBackend();
                default ->
                    throw new IllegalArgumentException(
                            "SHARDLINE_PG_BACKEND must be 'docker', 'local' or 'embedded', was '" + forced + "'");
            };
        }
        return LocalBinariesBackend.available() ? new LocalBinariesBackend() : new EmbeddedBackend();
    }
}
