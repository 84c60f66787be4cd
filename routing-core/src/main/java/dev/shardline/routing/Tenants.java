package dev.shardline.routing;

import dev.shardline.config.TenantHash;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The tenant context of the current thread: statements that do not carry the tenant key in SQL
 * are routed to this tenant's shard. Works with plain JDBC and with Jdbi, which run statements on
 * the calling thread. Contexts nest and are always restored.
 */
public final class Tenants {
  private static final ThreadLocal<Object> TENANT = new ThreadLocal<>();
  private static final ThreadLocal<Boolean> SCATTER = new ThreadLocal<>();

  private Tenants() {}

  /** Runs {@code work} with {@code tenant} as the context tenant. */
  public static void run(Object tenant, Runnable work) {
    call(tenant, () -> {
      work.run();
      return null;
    });
  }

  /** Calls {@code work} with {@code tenant} as the context tenant and returns its result. */
  public static <T> T call(Object tenant, Callable<T> work) {
    Objects.requireNonNull(work, "work");
    TenantHash.canonical(tenant);
    Object previous = TENANT.get();
    TENANT.set(tenant);
    try {
      return work.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ShardlineRoutingException("tenant " + tenant + " - work failed: " + e.getMessage(), e);
    } finally {
      restore(TENANT, previous);
    }
  }

  /** Returns the context tenant, or {@code null} if none is set. */
  public static Object current() {
    return TENANT.get();
  }

  /**
   * Calls {@code work} allowing read-only statements without a tenant key to read every shard
   * (results merged by ShardingSphere). Writes stay single-shard; this is the only way to scatter.
   */
  public static <T> T scatter(Callable<T> work) {
    Boolean previous = SCATTER.get();
    SCATTER.set(Boolean.TRUE);
    try {
      return work.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ShardlineRoutingException("scatter - work failed: " + e.getMessage(), e);
    } finally {
      restore(SCATTER, previous);
    }
  }

  /** Returns true inside {@link #scatter}. */
  public static boolean scatterAllowed() {
    return SCATTER.get() != null;
  }

  private static <T> void restore(ThreadLocal<T> local, T previous) {
    if (previous == null) {
      local.remove();
    } else {
      local.set(previous);
    }
  }
}
