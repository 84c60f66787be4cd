package dev.shardline.migrations.cli;

import dev.shardline.migrations.ShardMigrator;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config} option every migrations command takes. */
public final class ConfigOption {
    @Option(
            names = {"-c", "--config"},
            required = true,
            description = "path of shardline.yaml (with a migrations: section)")
    Path config;

    ShardMigrator migrator() {
        return ShardMigrator.fromYaml(config);
    }
}
