package dev.shardline.app;

import java.util.Map;

/** A tenant's summary from the analytics store, fed by CDC. */
@FunctionalInterface
public interface AnalyticsView {
    Map<String, Object> summary(String tenant);
}
