package dev.shardline.routing.internal;

import dev.shardline.config.BucketMap;
import dev.shardline.config.TenantHash;
import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.ReadPolicy;
import dev.shardline.routing.SqlStates;
import dev.shardline.routing.TenantRequiredException;
import dev.shardline.routing.internal.Analysis.Kind;
import java.sql.SQLException;
import java.util.List;

/**
 * Decides where one execution of an analysed statement goes, from the statement's tenant keys,
 * the thread's tenant context and the connection's transaction state. Fails closed: a statement on
 * a sharded table that names no tenant, with none in context, is rejected rather than scattered.
 */
final class Router {
  private final BucketMap buckets;
  private final dev.shardline.config.TableRules rules;
  private final List<String> shardNames;
  private final int defaultShard;
  private final ReadPolicy readPolicy;

  Router(BucketMap buckets, dev.shardline.config.TableRules rules, int defaultShard, ReadPolicy readPolicy) {
    this.buckets = buckets;
    this.rules = rules;
    this.shardNames = buckets.shardNames();
    this.defaultShard = defaultShard;
    this.readPolicy = readPolicy;
  }

  /**
   * Routes {@code a} with bound {@code params}.
   *
   * @param context the thread's tenant, or null
   * @param txShard the shard the connection's open transaction is on, or -1
   * @param inTransaction whether auto-commit is off (reads then go to the primary)
   * @param scatter whether the caller allowed a cross-shard read
   */
  Route route(Analysis a, Params params, Object context, int txShard, boolean inTransaction, boolean scatter)
      throws SQLException {
    if (a.kind() == Kind.UNPARSED) return routeUnparsed(a, context, txShard);
    if (a.problem() != null) {
      throw new CrossShardException(a.problem() + ". Statement: " + abbreviate(a.sql()), SqlStates.UNROUTABLE);
    }
    boolean read = a.kind() == Kind.READ;
    boolean replica = read && !inTransaction && readPolicy == ReadPolicy.REPLICA;
    if (a.kind() == Kind.DDL) {
      return a.allShards()
          ? Route.all("DDL on declared tables runs on every shard primary")
          : Route.one(defaultShard, false, null, "DDL on undeclared tables runs on the default shard " + shardNames.get(defaultShard));
    }
    if (a.touchesSharded()) return routeSharded(a, params, context, replica, read, scatter);
    if (!a.broadcastTables().isEmpty() && a.kind() == Kind.WRITE) {
      return Route.all("write to broadcast tables " + a.broadcastTables() + " runs on every shard primary");
    }
    if (context != null) {
      String t = TenantHash.canonical(context);
      int s = buckets.shardIndexOf(context);
      return Route.one(s, replica, t, "no sharded table; tenant context " + t + " → " + shardNames.get(s));
    }
    int s = txShard >= 0 ? txShard : defaultShard;
    return Route.one(s, replica, null, "no sharded table → " + (txShard >= 0 ? "the transaction's shard " : "default shard ") + shardNames.get(s));
  }

  private Route routeSharded(Analysis a, Params params, Object context, boolean replica, boolean read, boolean scatter)
      throws SQLException {
    List<KeyRef> keys = a.keys();
    if (keys.isEmpty()) {
      if (context != null) {
        String t = TenantHash.canonical(context);
        int s = buckets.shardIndexOf(context);
        if (a.guard() == null) {
          throw new TenantRequiredException("Statement on sharded table(s) " + a.shardedTables() + " has no tenant condition. "
              + "Inside Tenants.run(" + t + ", ...) Shardline restricts single-table statements to the tenant by itself, "
              + "but this one reads several sharded tables or subqueries; add " + tenantColumns(a)
              + " = ? to it so no other tenant's rows on the shard can be touched. Statement: " + abbreviate(a.sql()));
        }
        return new Route(Route.Target.ONE, s, replica, t, "tenant context " + t + " → bucket " + buckets.bucketOf(context) + " → "
            + shardNames.get(s) + ", restricted to the tenant's rows", a.guard().apply(a.sql(), t));
      }
      if (scatter && read) {
        return Route.scatter(replica, "no tenant key; explicit scatter read over every shard");
      }
      throw new TenantRequiredException("Statement on sharded table(s) " + a.shardedTables()
          + " has no tenant key, so it would reach every shard. Add a condition on the tenant column ("
          + tenantColumns(a) + " = ?), or run it inside Tenants.run(tenantId, ...)"
          + (read ? ", or inside Tenants.scatter(...) to read every shard on purpose" : "")
          + ". Statement: " + abbreviate(a.sql()));
    }
    Object first = keys.get(0).resolve(params);
    if (first == null) throw unbound(a, keys.get(0));
    int shard = buckets.shardIndexOf(first);
    String tenant = TenantHash.canonical(first);
    String contextKey = context == null ? null : TenantHash.canonical(context);
    for (int i = 0; i < keys.size(); i++) {
      Object v = i == 0 ? first : keys.get(i).resolve(params);
      if (v == null) throw unbound(a, keys.get(i));
      String t = i == 0 ? tenant : TenantHash.canonical(v);
      if (contextKey != null && !contextKey.equals(t)) {
        throw new CrossShardException("Statement names tenant " + t + " (" + keys.get(i).describe()
            + ") but runs inside the context of tenant " + contextKey + "; a tenant context may only touch its own rows. Statement: "
            + abbreviate(a.sql()), SqlStates.TENANT_MISMATCH);
      }
      int s = i == 0 ? shard : buckets.shardIndexOf(v);
      if (s != shard) {
        if (scatter && read) {
          return Route.scatter(replica, "tenants on several shards; explicit scatter read");
        }
        throw new CrossShardException("Statement names tenants on different shards: " + tenant + " → " + shardNames.get(shard)
            + ", " + t + " → " + shardNames.get(s) + "; split it per tenant"
            + (read ? " or read inside Tenants.scatter(...)" : " (a write must stay on one shard)") + ". Statement: "
            + abbreviate(a.sql()), SqlStates.CROSS_SHARD_TRANSACTION);
      }
      if (!t.equals(tenant)) tenant = null;
    }
    // The detailed reason is built only by explain(); this path runs for every statement.
    return Route.one(shard, replica, tenant, "tenant key");
  }

  /**
   * Routes a statement the parser could not read: by tenant context only, or to the default shard
   * when no sharded table name appears in it at all.
   */
  private Route routeUnparsed(Analysis a, Object context, int txShard) throws SQLException {
    if (context != null) {
      int s = buckets.shardIndexOf(context);
      return Route.one(s, false, TenantHash.canonical(context), "unparsed statement routed by tenant context → " + shardNames.get(s));
    }
    String lower = a.sql().toLowerCase(java.util.Locale.ROOT);
    for (String t : rules.tenantColumns().keySet()) {
      if (java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(t) + "\\b").matcher(lower).find()) {
        throw new TenantRequiredException("Shardline cannot parse this statement to find its tenant key (" + a.problem()
            + ") and it mentions sharded table '" + t + "'. Run it inside Tenants.run(tenantId, ...) so it is routed by context. Statement: "
            + abbreviate(a.sql()));
      }
    }
    int s = txShard >= 0 ? txShard : defaultShard;
    return Route.one(s, false, null, "unparsed statement without sharded tables → " + shardNames.get(s));
  }

  /** Builds the human explanation of a route for explain(). */
  String explain(Route r, Analysis a, Params params) {
    if (r.target() != Route.Target.ONE || a.keys().isEmpty()) return r.reason();
    Object v = a.keys().get(0).resolve(params);
    return "tenant " + TenantHash.canonical(v) + " (" + a.keys().get(0).describe() + ") → bucket " + buckets.bucketOf(v)
        + (buckets.isPinned(v) ? " (pinned)" : "") + " → " + shardNames.get(r.shard());
  }

  private static SQLException unbound(Analysis a, KeyRef k) {
    return new SQLException("Tenant key " + k.describe() + " is not bound; set it before executing. Statement: " + abbreviate(a.sql()), "07001");
  }

  private String tenantColumns(Analysis a) {
    return a.shardedTables().stream().map(t -> t + "." + rules.tenantColumnOf(t)).distinct()
        .collect(java.util.stream.Collectors.joining(", "));
  }

  static String abbreviate(String sql) {
    String s = sql.strip().replaceAll("\\s+", " ");
    return s.length() > 200 ? s.substring(0, 197) + "..." : s;
  }

  int shardCount() {
    return shardNames.size();
  }

  String shardName(int i) {
    return shardNames.get(i);
  }
}
