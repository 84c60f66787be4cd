package dev.shardline.spring.internal;

import dev.shardline.config.ShardlineYaml;
import java.nio.file.Path;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when the {@code shardline.yaml} of {@code spring.shardline.config} has a {@code cache.redis} section. */
public final class OnRedisCacheSection extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String file = context.getEnvironment().getProperty("spring.shardline.config");
        if (file == null || file.isBlank()) return ConditionOutcome.noMatch("spring.shardline.config is not set");
        boolean has =
                !ShardlineYaml.load(Path.of(file)).section("cache").get("redis").isMissing();
        return has
                ? ConditionOutcome.match(file + " has cache.redis")
                : ConditionOutcome.noMatch(file + " has no cache.redis section");
    }
}
