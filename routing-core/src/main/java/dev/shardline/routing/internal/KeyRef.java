package dev.shardline.routing.internal;

/** Where a statement's tenant value comes from: a parameter marker (0-based) or a literal in the SQL. */
record KeyRef(int paramIndex, Object literal) {
  static KeyRef param(int index) {
    return new KeyRef(index, null);
  }

  static KeyRef literal(Object value) {
    return new KeyRef(-1, value);
  }

  boolean isParam() {
    return paramIndex >= 0;
  }

  /** Returns the tenant value given the statement's bound parameters. */
  Object resolve(Params params) {
    return isParam() ? params.valueAt(paramIndex) : literal;
  }

  String describe() {
    return isParam() ? "parameter " + (paramIndex + 1) : "literal " + literal;
  }
}
