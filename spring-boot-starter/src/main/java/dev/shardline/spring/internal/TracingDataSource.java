package dev.shardline.spring.internal;

import dev.shardline.routing.RoutePlan;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.routing.Tenants;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A span per statement run through the sharded DataSource, child of the current context, naming
 * where the statement went: {@code shardline.shard}, {@code shardline.endpoint.role},
 * {@code shardline.route.reason}, rejections ({@code shardline.rejected}, SQLState) and, only when
 * enabled, {@code shardline.tenant}.
 *
 * <p>The route comes from {@link ShardlineDataSource#explain} with the context tenant, evaluated
 * beside the statement: it names the shard and the role, not which replica answered, and a
 * statement whose tenant is only a bound parameter is explained without it. The exact decision
 * needs a hook inside routing-core (see the starter's README section on tracing).
 */
public final class TracingDataSource implements DataSource {
  static final AttributeKey<String> SHARD = AttributeKey.stringKey("shardline.shard");
  static final AttributeKey<String> ROLE = AttributeKey.stringKey("shardline.endpoint.role");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("shardline.route.reason");
  static final AttributeKey<String> KIND = AttributeKey.stringKey("shardline.route.kind");
  static final AttributeKey<String> TENANT = AttributeKey.stringKey("shardline.tenant");
  static final AttributeKey<Boolean> REJECTED = AttributeKey.booleanKey("shardline.rejected");
  static final AttributeKey<String> SQLSTATE = AttributeKey.stringKey("db.response.status_code");
  private static final Set<String> EXECUTE = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate",
      "executeBatch", "executeLargeBatch");

  private final ShardlineDataSource ds;
  private final Tracer tracer;
  private final boolean withTenant;

  public TracingDataSource(ShardlineDataSource ds, Tracer tracer, boolean withTenant) {
    this.ds = ds;
    this.tracer = tracer;
    this.withTenant = withTenant;
  }

  /** Returns the DataSource whose statements are traced. */
  public ShardlineDataSource delegate() {
    return ds;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return connection(ds.getConnection());
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return connection(ds.getConnection(username, password));
  }

  private Connection connection(Connection c) {
    return proxy(Connection.class, c, (p, m, args) -> {
      Object r = invoke(c, m, args);
      if (r instanceof Statement st && Statement.class.isAssignableFrom(m.getReturnType())) {
        String sql = m.getName().startsWith("prepare") ? (String) args[0] : null;
        return statement(st, sql, m.getReturnType().asSubclass(Statement.class));
      }
      return r;
    });
  }

  private Statement statement(Statement s, String preparedSql, Class<? extends Statement> type) {
    return proxy(type, s, (p, m, args) -> {
      if (!EXECUTE.contains(m.getName())) return invoke(s, m, args);
      String sql = args != null && args.length > 0 && args[0] instanceof String q ? q : preparedSql;
      return traced(sql, () -> invoke(s, m, args));
    });
  }

  private Object traced(String sql, Call call) throws Throwable {
    String op = operation(sql);
    Span span = tracer.spanBuilder("shardline " + op).setSpanKind(SpanKind.CLIENT)
        .setAttribute("db.system.name", "postgresql").setAttribute("db.operation.name", op).startSpan();
    Object tenant = Tenants.current();
    if (withTenant && tenant != null) span.setAttribute(TENANT, tenant.toString());
    if (sql != null) {
      try {
        RoutePlan plan = ds.explain(sql, tenant);
        span.setAttribute(SHARD, String.join(",", plan.shards()));
        span.setAttribute(ROLE, plan.role());
        span.setAttribute(REASON, plan.reason());
        span.setAttribute(KIND, plan.kind());
      } catch (RuntimeException e) {
        span.setAttribute(REASON, "not explained: " + e.getMessage());
      }
    }
    try (Scope ignored = span.makeCurrent()) {
      return call.run();
    } catch (SQLException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, e.getMessage());
      if (e.getSQLState() != null) span.setAttribute(SQLSTATE, e.getSQLState());
      if (e.getSQLState() != null && e.getSQLState().startsWith("SL")) span.setAttribute(REJECTED, true);
      throw e;
    } catch (Throwable e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      throw e;
    } finally {
      span.end();
    }
  }

  private static String operation(String sql) {
    if (sql == null) return "BATCH";
    String t = sql.stripLeading();
    int end = 0;
    while (end < t.length() && Character.isLetter(t.charAt(end))) end++;
    return end == 0 ? "SQL" : t.substring(0, end).toUpperCase(Locale.ROOT);
  }

  @FunctionalInterface
  private interface Call {
    Object run() throws Throwable;
  }

  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, Object target, InvocationHandler h) {
    return (T) Proxy.newProxyInstance(TracingDataSource.class.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      if (m.getName().equals("unwrap") && args.length == 1 && ((Class<?>) args[0]).isInstance(target)) return target;
      return h.invoke(p, m, args);
    });
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return ds.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    ds.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    ds.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return ds.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() {
    return Logger.getLogger("dev.shardline");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(ds) ? iface.cast(ds) : ds.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(ds) || ds.isWrapperFor(iface);
  }
}
