package dev.shardline.routing.internal;

import dev.shardline.config.TableRules;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.assignment.ColumnAssignmentSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.assignment.InsertValuesSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.assignment.SetAssignmentSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.column.ColumnSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.BetweenExpression;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.BinaryOperationExpression;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.ExistsSubqueryExpression;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.ExpressionSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.FunctionSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.InExpression;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.ListExpression;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.NotExpression;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.TypeCastExpression;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.simple.LiteralExpressionSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.simple.ParameterMarkerExpressionSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.subquery.SubqueryExpressionSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.expr.subquery.SubquerySegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.item.ProjectionSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.dml.item.SubqueryProjectionSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.generic.table.JoinTableSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.generic.table.SimpleTableSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.generic.table.SubqueryTableSegment;
import org.apache.shardingsphere.sql.parser.statement.core.segment.generic.table.TableSegment;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.DeleteStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.InsertStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.SelectStatement;
import org.apache.shardingsphere.sql.parser.statement.core.statement.dml.UpdateStatement;

/**
 * Walks a parsed statement scope by scope (main query, joins, subqueries, CTEs, UNION arms),
 * classifying tables and collecting tenant predicates that hold for every row: {@code col = v} and
 * {@code col IN (v, ...)} on a sharded table's tenant column, found only at AND level of a WHERE or
 * join condition (a predicate under OR constrains nothing), plus the tenant column of INSERT rows.
 */
final class ScopeWalker {
  final Set<String> sharded = new LinkedHashSet<>();
  final Set<String> broadcast = new LinkedHashSet<>();
  final Set<String> other = new LinkedHashSet<>();
  final List<KeyRef> keys = new ArrayList<>();
  private final Set<String> cteNames = new LinkedHashSet<>();
  private final TableRules rules;
  String problem;
  Guard guard;
  int shardedRefs;
  private int depth;

  ScopeWalker(TableRules rules) {
    this.rules = rules;
  }

  void select(SelectStatement s) {
    s.getWithSegment().ifPresent(w -> w.getCommonTableExpressions().forEach(cte -> {
      cte.getAliasName().ifPresent(n -> cteNames.add(n.toLowerCase(Locale.ROOT)));
      subquery(cte.getSubquery());
    }));
    List<ExpressionSegment> conjuncts = new ArrayList<>();
    s.getFrom().ifPresent(f -> from(f, conjuncts));
    s.getWhere().ifPresent(w -> splitAnd(w.getExpr(), conjuncts));
    collectKeys(conjuncts);
    if (depth == 0 && s.getFrom().isPresent() && s.getCombine().isEmpty()) {
      guard(s.getFrom().get(), s.getWhere().map(w -> w.getExpr()).orElse(null), endOf(s.getFrom().get()) + 1);
    }
    s.getWhere().ifPresent(w -> nested(w.getExpr()));
    for (ProjectionSegment p : s.getProjections().getProjections()) {
      if (p instanceof SubqueryProjectionSegment sp) subquery(sp.getSubquery());
    }
    s.getCombine().ifPresent(c -> {
      subquery(c.getLeft());
      subquery(c.getRight());
    });
  }

  void insert(InsertStatement i) {
    i.getTable().ifPresent(t -> {
      classify(t);
      String col = rules.tenantColumnOf(name(t));
      if (col != null) insertKeys(i, col);
    });
    i.getInsertSelect().ifPresent(this::subquery);
  }

  void update(UpdateStatement u) {
    List<ExpressionSegment> conjuncts = new ArrayList<>();
    from(u.getTable(), conjuncts);
    u.getFrom().ifPresent(f -> from(f, conjuncts));
    rejectTenantUpdate(u.getTable(), u.getSetAssignment());
    u.getWhere().ifPresent(w -> splitAnd(w.getExpr(), conjuncts));
    collectKeys(conjuncts);
    int end = Math.max(u.getSetAssignment() == null ? -1 : u.getSetAssignment().getStopIndex(),
        u.getFrom().map(f -> f.getStopIndex()).orElse(-1));
    if (u.getFrom().isEmpty()) guard(u.getTable(), u.getWhere().map(w -> w.getExpr()).orElse(null), end + 1);
    u.getWhere().ifPresent(w -> nested(w.getExpr()));
  }

  void delete(DeleteStatement d) {
    List<ExpressionSegment> conjuncts = new ArrayList<>();
    from(d.getTable(), conjuncts);
    d.getWhere().ifPresent(w -> splitAnd(w.getExpr(), conjuncts));
    collectKeys(conjuncts);
    guard(d.getTable(), d.getWhere().map(w -> w.getExpr()).orElse(null), endOf(d.getTable()) + 1);
    d.getWhere().ifPresent(w -> nested(w.getExpr()));
  }

  void classifyOnly(SimpleTableSegment t) {
    classify(t);
  }

  private void subquery(SubquerySegment sq) {
    if (sq != null && sq.getSelect() != null) {
      depth++;
      select(sq.getSelect());
      depth--;
    }
  }

  /** Records where a tenant condition can be added when the main scope reads exactly one sharded table. */
  private void guard(TableSegment from, ExpressionSegment where, int insertAt) {
    SimpleTableSegment target = from instanceof SimpleTableSegment s ? s : null;
    if (from instanceof JoinTableSegment j) target = onlyShardedIn(j);
    if (target == null || !rules.isSharded(name(target))) return;
    String qualifier = target.getAliasName().orElse(target.getTableName().getIdentifier().getValue());
    String column = rules.tenantColumnOf(name(target));
    guard = where == null
        ? new Guard(qualifier, column, -1, -1, insertAt)
        : new Guard(qualifier, column, where.getStartIndex(), where.getStopIndex(), -1);
  }

  private SimpleTableSegment onlyShardedIn(JoinTableSegment j) {
    List<SimpleTableSegment> found = new ArrayList<>();
    collectSimple(j, found);
    List<SimpleTableSegment> shardedOnes = found.stream().filter(t -> rules.isSharded(name(t))).toList();
    return shardedOnes.size() == 1 ? shardedOnes.get(0) : null;
  }

  private static void collectSimple(TableSegment t, List<SimpleTableSegment> out) {
    if (t instanceof SimpleTableSegment s) out.add(s);
    if (t instanceof JoinTableSegment j) {
      collectSimple(j.getLeft(), out);
      collectSimple(j.getRight(), out);
    }
  }

  /** Returns the last character of a FROM item, including aliases and join conditions (the parser's own stop index can stop early). */
  private static int endOf(TableSegment t) {
    if (t instanceof SimpleTableSegment s && s.getAliasSegment().isPresent()) {
      return Math.max(s.getStopIndex(), s.getAliasSegment().get().getStopIndex());
    }
    if (t instanceof JoinTableSegment j) {
      int end = Math.max(t.getStopIndex(), Math.max(endOf(j.getLeft()), endOf(j.getRight())));
      if (j.getCondition() != null) end = Math.max(end, j.getCondition().getStopIndex());
      for (var c : j.getUsing()) end = Math.max(end, c.getStopIndex() + 1);
      return end;
    }
    return t.getStopIndex();
  }

  private void from(TableSegment t, List<ExpressionSegment> conjuncts) {
    if (t instanceof SimpleTableSegment s) {
      classify(s);
    } else if (t instanceof JoinTableSegment j) {
      from(j.getLeft(), conjuncts);
      from(j.getRight(), conjuncts);
      if (j.getCondition() != null) {
        splitAnd(j.getCondition(), conjuncts);
        nested(j.getCondition());
      }
    } else if (t instanceof SubqueryTableSegment sq) {
      subquery(sq.getSubquery());
    }
  }

  private void classify(SimpleTableSegment t) {
    String schema = t.getOwner().map(o -> o.getIdentifier().getValue().toLowerCase(Locale.ROOT)).orElse("");
    String name = name(t);
    if (schema.equals("pg_catalog") || schema.equals("information_schema") || (schema.isEmpty() && name.startsWith("pg_"))) {
      return;
    }
    if (rules.isSharded(name)) {
      sharded.add(name);
      shardedRefs++;
    } else if (rules.isBroadcast(name)) {
      broadcast.add(name);
    } else if (!cteNames.contains(name)) {
      other.add(name);
    }
  }

  private static String name(SimpleTableSegment t) {
    var id = t.getTableName().getIdentifier();
    String v = id.getValue();
    return id.getQuoteCharacter() != null && id.getQuoteCharacter().name().equals("QUOTE") ? v : v.toLowerCase(Locale.ROOT);
  }

  private static void splitAnd(ExpressionSegment e, List<ExpressionSegment> out) {
    if (e instanceof BinaryOperationExpression b && "AND".equalsIgnoreCase(b.getOperator())) {
      splitAnd(b.getLeft(), out);
      splitAnd(b.getRight(), out);
    } else if (e != null) {
      out.add(e);
    }
  }

  private void collectKeys(List<ExpressionSegment> conjuncts) {
    for (ExpressionSegment e : conjuncts) {
      if (e instanceof BinaryOperationExpression b && "=".equals(b.getOperator())) {
        addIfTenant(b.getLeft(), b.getRight());
        addIfTenant(b.getRight(), b.getLeft());
      } else if (e instanceof InExpression in && !in.isNot() && isTenantColumn(in.getLeft())) {
        List<KeyRef> refs = new ArrayList<>();
        if (in.getRight() instanceof ListExpression list) {
          for (ExpressionSegment item : list.getItems()) {
            KeyRef r = keyRef(item);
            if (r == null) return;
            refs.add(r);
          }
        }
        keys.addAll(refs);
      }
    }
  }

  private void addIfTenant(ExpressionSegment col, ExpressionSegment value) {
    if (!isTenantColumn(col)) return;
    KeyRef r = keyRef(value);
    if (r != null) keys.add(r);
  }

  /** True if {@code e} is a column named like the tenant column of a sharded table of this statement. */
  private boolean isTenantColumn(ExpressionSegment e) {
    if (!(e instanceof ColumnSegment c)) return false;
    String col = c.getIdentifier().getValue().toLowerCase(Locale.ROOT);
    return rules.tenantColumns().containsValue(col);
  }

  private static KeyRef keyRef(ExpressionSegment v) {
    if (v instanceof ParameterMarkerExpressionSegment p) return KeyRef.param(p.getParameterMarkerIndex());
    if (v instanceof LiteralExpressionSegment l && l.getLiterals() != null) return KeyRef.literal(l.getLiterals());
    if (v instanceof TypeCastExpression t) return keyRef(t.getExpression());
    return null;
  }

  private void insertKeys(InsertStatement i, String tenantColumn) {
    List<ColumnSegment> cols = new ArrayList<>(i.getColumns());
    int idx = -1;
    for (int c = 0; c < cols.size(); c++) {
      if (cols.get(c).getIdentifier().getValue().equalsIgnoreCase(tenantColumn)) idx = c;
    }
    if (idx < 0) {
      if (!i.getValues().isEmpty()) {
        problem = cols.isEmpty()
            ? "INSERT has no column list; name the columns so the tenant column '" + tenantColumn + "' can be found"
            : "INSERT does not set the tenant column '" + tenantColumn + "'";
      }
      return;
    }
    for (InsertValuesSegment row : i.getValues()) {
      KeyRef r = idx < row.getValues().size() ? keyRef(row.getValues().get(idx)) : null;
      if (r == null) {
        problem = "INSERT row " + (i.getValues().stream().toList().indexOf(row) + 1)
            + " sets tenant column '" + tenantColumn + "' to an expression; bind a value or a literal";
        keys.clear();
        return;
      }
      keys.add(r);
    }
  }

  private void rejectTenantUpdate(TableSegment table, SetAssignmentSegment set) {
    if (set == null) return;
    for (ColumnAssignmentSegment a : set.getAssignments()) {
      for (ColumnSegment c : a.getColumns()) {
        if (isTenantColumn(c) && !sharded.isEmpty()) {
          problem = "UPDATE changes tenant column '" + c.getIdentifier().getValue()
              + "', which would move the row to another shard; delete it and insert it for the new tenant instead";
        }
      }
    }
  }

  /** Finds subqueries inside an expression; each is its own scope. */
  private void nested(ExpressionSegment e) {
    if (e == null) return;
    if (e instanceof SubqueryExpressionSegment s) {
      subquery(s.getSubquery());
    } else if (e instanceof ExistsSubqueryExpression x) {
      subquery(x.getSubquery());
    } else if (e instanceof BinaryOperationExpression b) {
      nested(b.getLeft());
      nested(b.getRight());
    } else if (e instanceof InExpression in) {
      nested(in.getLeft());
      nested(in.getRight());
    } else if (e instanceof ListExpression l) {
      l.getItems().forEach(this::nested);
    } else if (e instanceof NotExpression n) {
      nested(n.getExpression());
    } else if (e instanceof BetweenExpression bt) {
      nested(bt.getLeft());
    } else if (e instanceof FunctionSegment f) {
      f.getParameters().forEach(this::nested);
    } else if (e instanceof TypeCastExpression t) {
      nested(t.getExpression());
    }
  }
}
