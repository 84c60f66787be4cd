package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class LogicalFacadeTest {
    /** A stand-in for pgJDBC's objects: answers every call with its method name (pure dispatch logic). */
    private static <T> T echo(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(
                LogicalFacadeTest.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> switch (m.getName()) {
                    case "getString" -> "physical " + a[0];
                    case "getStatement" -> echo(Statement.class);
                    case "toString" -> "physical";
                    default -> null;
                }));
    }

    @Test
    void constructorsCached_onThisJdk() {
        // Without them every result set would again be made by Proxy.newProxyInstance (slower, not wrong).
        assertThat(LogicalFacade.constructorsCached()).isTrue();
    }

    @Test
    void resultSet_dispatchByKind_passesReadsKeepsLogicalObjectsRefusesWrites() throws Exception {
        Connection logical = echo(Connection.class);
        Statement statement = echo(Statement.class);
        ResultSet rs = LogicalFacade.resultSet(echo(ResultSet.class), logical, statement);
        assertThat(rs.getString(1)).isEqualTo("physical 1");
        assertThat(rs.getStatement()).isSameAs(statement);
        assertThat(rs.hashCode()).isEqualTo(System.identityHashCode(rs));
        assertThat(rs.equals(rs)).isTrue();
        assertThat(rs.isWrapperFor(ResultSet.class)).isTrue();
        assertThat(rs.unwrap(ResultSet.class)).isSameAs(rs);
        assertThat(rs.toString()).isEqualTo("physical");
        assertThatThrownBy(() -> rs.updateString(1, "x"))
                .isInstanceOf(SQLFeatureNotSupportedException.class)
                .hasMessageContaining("ResultSet.updateString is not supported");
        assertThatThrownBy(rs::insertRow).isInstanceOf(SQLFeatureNotSupportedException.class);
        assertThatThrownBy(() -> rs.getBlob(1)).isInstanceOf(SQLFeatureNotSupportedException.class);
        assertThatThrownBy(() -> rs.getObject(1, java.sql.Clob.class))
                .isInstanceOf(SQLFeatureNotSupportedException.class);
        assertThat(rs.getObject(1, String.class)).isNull();
        assertThat(LogicalFacade.physical(rs)).isNotSameAs(rs);
    }
}
