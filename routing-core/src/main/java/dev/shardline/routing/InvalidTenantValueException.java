package dev.shardline.routing;

import java.sql.SQLDataException;

/** A tenant value is null or of a type that cannot be a tenant id (SQLState 22023); nothing was executed. */
public final class InvalidTenantValueException extends SQLDataException {
    private static final long serialVersionUID = 1L;

    public InvalidTenantValueException(String message) {
        super(message, "22023");
    }
}
