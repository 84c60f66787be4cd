package dev.shardline.cdc.internal;

import io.debezium.connector.postgresql.PostgresConnector;
import org.apache.kafka.connect.connector.Task;

/**
 * Debezium's PostgreSQL connector whose task hands over changes as soon as they are queued and
 * costs next to nothing while the shard is idle ({@link PromptPostgresTask}); everything else is
 * Debezium's own.
 */
public final class PromptPostgresConnector extends PostgresConnector {
    @Override
    public Class<? extends Task> taskClass() {
        return PromptPostgresTask.class;
    }
}
