package dev.shardline.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a running {@link PgCluster} as a parameter (constructor, lifecycle or test
 * method). Shared clusters of the same shape are started once per test JVM and reused by every
 * class; fault tests that stop servers ask for {@code shared = false} and get their own.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PgClusterExtension.class)
public @interface WithPgCluster {
    int primaries() default 2;

    int replicas() default 1;

    boolean shared() default true;
}
