package dev.shardline.routing;

/** What building a DataSource does when a server cannot be reached. */
public enum StartupCheck {
    /** Fail the build naming the endpoint: a wrong URL is found at start, not at the first query. */
    FAIL,
    /** Log a warning and start; the endpoint's circuit breaker and health checks take over. */
    WARN
}
