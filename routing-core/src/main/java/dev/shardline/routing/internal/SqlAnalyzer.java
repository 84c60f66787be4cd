package dev.shardline.routing.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.shardline.config.TableRules;
import dev.shardline.routing.internal.Analysis.Kind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.shardingsphere.sql.parser.api.CacheOption;
import org.apache.shardingsphere.sql.parser.api.SQLParserEngine;
import org.apache.shardingsphere.sql.parser.api.SQLStatementVisitorEngine;
import org.apache.shardingsphere.sql.parser.statement.core.statement.SQLStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dal.ExplainStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dal.ResetParameterStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dal.SetStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dal.ShowStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.ddl.AlterTableStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.ddl.CreateIndexStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.ddl.CreateTableStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.ddl.DDLStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.ddl.DropTableStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.ddl.TruncateStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.DeleteStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.InsertStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.SelectStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.UpdateStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.tcl.TCLStatement;
import org.apache.shardingsphere.sql.parser.statement.core.segment.generic.table.SimpleTableSegment;

/**
 * Reads a SQL text once with ShardingSphere's PostgreSQL parser and keeps what routing needs
 * ({@link Analysis}) in a bounded cache keyed by the exact text, so a repeated statement costs a
 * hash lookup instead of a parse.
 */
public final class SqlAnalyzer {
  private static final String DIALECT = "PostgreSQL";

  private final TableRules rules;
  private final SQLParserEngine parser;
  private final SQLStatementVisitorEngine visitor;
  private final Cache<String, Analysis> cache;

  public SqlAnalyzer(TableRules rules, int cacheSize) {
    this.rules = rules;
    // Our own cache holds the result; the parser's tree cache would only duplicate it.
    this.parser = new SQLParserEngine(DIALECT, new CacheOption(16, 16));
    this.visitor = new SQLStatementVisitorEngine(DIALECT);
    this.cache = Caffeine.newBuilder().maximumSize(cacheSize).build();
  }

  /** Returns the analysis of {@code sql}, parsing it only the first time it is seen. */
  Analysis analyze(String sql) {
    Analysis a = cache.getIfPresent(sql);
    return a != null ? a : cache.get(sql, this::compute);
  }

  /** Parses once to load the grammar, so the first real statement does not pay for it. */
  public void warmUp() {
    analyze("SELECT 1");
  }

  private Analysis compute(String sql) {
    SQLStatement st;
    try {
      st = visitor.visit(parser.parse(sql, false));
    } catch (RuntimeException e) {
      return new Analysis(sql, Kind.UNPARSED, Set.of(), Set.of(), Set.of(), List.of(), List.of(), false,
          String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName()), null);
    }
    return classify(sql, st);
  }

  private Analysis classify(String sql, SQLStatement st) {
    ScopeWalker w = new ScopeWalker(rules);
    Kind kind;
    if (st instanceof SelectStatement s) {
      w.select(s);
      kind = hasLock(s) ? Kind.WRITE : Kind.READ;
    } else if (st instanceof InsertStatement i) {
      w.insert(i);
      kind = Kind.WRITE;
    } else if (st instanceof UpdateStatement u) {
      w.update(u);
      kind = Kind.WRITE;
    } else if (st instanceof DeleteStatement d) {
      w.delete(d);
      kind = Kind.WRITE;
    } else if (st instanceof DDLStatement d) {
      ddlTables(d).forEach(w::classifyOnly);
      kind = Kind.DDL;
    } else if (st instanceof SetStatement || st instanceof ResetParameterStatement) {
      kind = Kind.SESSION;
    } else if (st instanceof ShowStatement) {
      kind = Kind.READ;
    } else if (st instanceof TCLStatement) {
      kind = Kind.TCL;
    } else if (st instanceof ExplainStatement e && e.getSqlStatement().isPresent()) {
      Analysis inner = classify(sql, e.getSqlStatement().get());
      return inner;
    } else {
      kind = Kind.WRITE;
    }
    boolean allShards = kind == Kind.DDL
        && (w.sharded.isEmpty() && w.broadcast.isEmpty() && w.other.isEmpty() || !w.sharded.isEmpty() || !w.broadcast.isEmpty());
    List<String> unkeyed = w.keys.isEmpty() ? List.copyOf(w.sharded) : List.of();
    return new Analysis(sql, kind, Set.copyOf(w.sharded), Set.copyOf(w.broadcast), Set.copyOf(w.other),
        List.copyOf(w.keys), unkeyed, allShards, w.problem, w.shardedRefs == 1 ? w.guard : null);
  }

  private static boolean hasLock(SelectStatement s) {
    return s.getLock().isPresent();
  }

  private static List<SimpleTableSegment> ddlTables(DDLStatement d) {
    List<SimpleTableSegment> out = new ArrayList<>();
    if (d instanceof CreateTableStatement c && c.getTable() != null) out.add(c.getTable());
    if (d instanceof AlterTableStatement a && a.getTable() != null) out.add(a.getTable());
    if (d instanceof DropTableStatement dt) out.addAll(dt.getTables());
    if (d instanceof TruncateStatement t) out.addAll(t.getTables());
    if (d instanceof CreateIndexStatement ci && ci.getTable() != null) out.add(ci.getTable());
    return out;
  }

  /** Test hook: the number of distinct statements analysed so far. */
  long cachedCount() {
    return cache.estimatedSize();
  }

  static Set<String> newSet() {
    return new LinkedHashSet<>();
  }
}
