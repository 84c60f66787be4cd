package dev.shardline.routing.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The parameter half of a logical {@link PreparedStatement}: every setter records its value and
 * how to replay it ({@link Params}), because the physical statement — and so the shard — is only
 * known once the tenant key has been read from those values at execution.
 */
abstract class ParameterRecorder extends BaseStatement<PreparedStatement> implements PreparedStatement {
    private static final Params.Binder B0_NULL = (ps, i, v, x) -> ps.setNull(i, (Integer) x);
    private static final Params.Binder B1_NULL =
            (ps, i, v, x) -> ps.setNull(i, (Integer) ((Object[]) x)[0], (String) ((Object[]) x)[1]);
    private static final Params.Binder B2_BOOLEAN = (ps, i, v, x) -> ps.setBoolean(i, (Boolean) v);
    private static final Params.Binder B3_BYTE = (ps, i, v, x) -> ps.setByte(i, (Byte) v);
    private static final Params.Binder B4_SHORT = (ps, i, v, x) -> ps.setShort(i, (Short) v);
    private static final Params.Binder B5_INT = (ps, i, v, x) -> ps.setInt(i, (Integer) v);
    private static final Params.Binder B6_LONG = (ps, i, v, x) -> ps.setLong(i, (Long) v);
    private static final Params.Binder B7_FLOAT = (ps, i, v, x) -> ps.setFloat(i, (Float) v);
    private static final Params.Binder B8_DOUBLE = (ps, i, v, x) -> ps.setDouble(i, (Double) v);
    private static final Params.Binder B9_BIGDECIMAL = (ps, i, v, x) -> ps.setBigDecimal(i, (java.math.BigDecimal) v);
    private static final Params.Binder B10_STRING = (ps, i, v, x) -> ps.setString(i, (String) v);
    private static final Params.Binder B11_NSTRING = (ps, i, v, x) -> ps.setNString(i, (String) v);
    private static final Params.Binder B12_BYTES = (ps, i, v, x) -> ps.setBytes(i, (byte[]) v);
    private static final Params.Binder B13_DATE = (ps, i, v, x) -> ps.setDate(i, (java.sql.Date) v);
    private static final Params.Binder B14_TIME = (ps, i, v, x) -> ps.setTime(i, (java.sql.Time) v);
    private static final Params.Binder B15_TIMESTAMP = (ps, i, v, x) -> ps.setTimestamp(i, (java.sql.Timestamp) v);
    private static final Params.Binder B16_DATE =
            (ps, i, v, x) -> ps.setDate(i, (java.sql.Date) v, (java.util.Calendar) x);
    private static final Params.Binder B17_TIME =
            (ps, i, v, x) -> ps.setTime(i, (java.sql.Time) v, (java.util.Calendar) x);
    private static final Params.Binder B18_TIMESTAMP =
            (ps, i, v, x) -> ps.setTimestamp(i, (java.sql.Timestamp) v, (java.util.Calendar) x);
    private static final Params.Binder B19_OBJECT = (ps, i, v, x) -> ps.setObject(i, v);
    private static final Params.Binder B20_OBJECT = (ps, i, v, x) -> ps.setObject(i, v, (Integer) x);
    private static final Params.Binder B21_OBJECT = (ps, i, v, x) -> ps.setObject(i, v, ((int[]) x)[0], ((int[]) x)[1]);
    private static final Params.Binder B22_OBJECT = (ps, i, v, x) -> ps.setObject(i, v, (java.sql.SQLType) x);
    private static final Params.Binder B23_OBJECT =
            (ps, i, v, x) -> ps.setObject(i, v, (java.sql.SQLType) ((Object[]) x)[0], (Integer) ((Object[]) x)[1]);
    private static final Params.Binder B24_ASCIISTREAM =
            (ps, i, v, x) -> ps.setAsciiStream(i, (java.io.InputStream) v, (Integer) x);
    private static final Params.Binder B25_ASCIISTREAM =
            (ps, i, v, x) -> ps.setAsciiStream(i, (java.io.InputStream) v, (Long) x);
    private static final Params.Binder B26_ASCIISTREAM = (ps, i, v, x) -> ps.setAsciiStream(i, (java.io.InputStream) v);
    private static final Params.Binder B27_BINARYSTREAM =
            (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v, (Integer) x);
    private static final Params.Binder B28_BINARYSTREAM =
            (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v, (Long) x);
    private static final Params.Binder B29_BINARYSTREAM =
            (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v);
    private static final Params.Binder B30_CHARACTERSTREAM =
            (ps, i, v, x) -> ps.setCharacterStream(i, (java.io.Reader) v, (Integer) x);
    private static final Params.Binder B31_CHARACTERSTREAM =
            (ps, i, v, x) -> ps.setCharacterStream(i, (java.io.Reader) v, (Long) x);
    private static final Params.Binder B32_CHARACTERSTREAM =
            (ps, i, v, x) -> ps.setCharacterStream(i, (java.io.Reader) v);
    private static final Params.Binder B33_NCHARACTERSTREAM =
            (ps, i, v, x) -> ps.setNCharacterStream(i, (java.io.Reader) v, (Long) x);
    private static final Params.Binder B34_NCHARACTERSTREAM =
            (ps, i, v, x) -> ps.setNCharacterStream(i, (java.io.Reader) v);
    private static final Params.Binder B35_REF = (ps, i, v, x) -> ps.setRef(i, (java.sql.Ref) v);
    private static final Params.Binder B40_CLOB = (ps, i, v, x) -> ps.setClob(i, (java.io.Reader) v, (Long) x);
    private static final Params.Binder B41_CLOB = (ps, i, v, x) -> ps.setClob(i, (java.io.Reader) v);
    private static final Params.Binder B43_NCLOB = (ps, i, v, x) -> ps.setNClob(i, (java.io.Reader) v, (Long) x);
    private static final Params.Binder B44_NCLOB = (ps, i, v, x) -> ps.setNClob(i, (java.io.Reader) v);
    private static final Params.Binder B45_ARRAY = (ps, i, v, x) -> ps.setArray(i, (java.sql.Array) v);
    private static final Params.Binder B46_URL = (ps, i, v, x) -> ps.setURL(i, (java.net.URL) v);
    private static final Params.Binder B47_ROWID = (ps, i, v, x) -> ps.setRowId(i, (java.sql.RowId) v);
    private static final Params.Binder B48_SQLXML = (ps, i, v, x) -> ps.setSQLXML(i, (java.sql.SQLXML) v);
    private static final Params.Binder B49_UNICODESTREAM =
            (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v, (Integer) x);

    final Params params = new Params();

    ParameterRecorder(RoutingConnection conn, StatementShape shape) {
        super(conn, shape);
    }

    private void bind(int index, Params.Binder binder, Object value, Object extra) throws SQLException {
        checkOpen();
        // An Array this driver handed out is a facade; pgJDBC binds its own PgArray by value (binary when it can).
        params.set(index, binder, LogicalFacade.physical(value), extra);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        bind(parameterIndex, B0_NULL, null, sqlType);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        bind(parameterIndex, B1_NULL, null, new Object[] {sqlType, typeName});
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        bind(parameterIndex, B2_BOOLEAN, x, null);
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        bind(parameterIndex, B3_BYTE, x, null);
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        bind(parameterIndex, B4_SHORT, x, null);
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        bind(parameterIndex, B5_INT, x, null);
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        bind(parameterIndex, B6_LONG, x, null);
    }

    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        bind(parameterIndex, B7_FLOAT, x, null);
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        bind(parameterIndex, B8_DOUBLE, x, null);
    }

    @Override
    public void setBigDecimal(int parameterIndex, java.math.BigDecimal x) throws SQLException {
        bind(parameterIndex, B9_BIGDECIMAL, x, null);
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        bind(parameterIndex, B10_STRING, x, null);
    }

    @Override
    public void setNString(int parameterIndex, String x) throws SQLException {
        bind(parameterIndex, B11_NSTRING, x, null);
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        bind(parameterIndex, B12_BYTES, x, null);
    }

    @Override
    public void setDate(int parameterIndex, java.sql.Date x) throws SQLException {
        bind(parameterIndex, B13_DATE, x, null);
    }

    @Override
    public void setTime(int parameterIndex, java.sql.Time x) throws SQLException {
        bind(parameterIndex, B14_TIME, x, null);
    }

    @Override
    public void setTimestamp(int parameterIndex, java.sql.Timestamp x) throws SQLException {
        bind(parameterIndex, B15_TIMESTAMP, x, null);
    }

    @Override
    public void setDate(int parameterIndex, java.sql.Date x, java.util.Calendar cal) throws SQLException {
        bind(parameterIndex, B16_DATE, x, cal);
    }

    @Override
    public void setTime(int parameterIndex, java.sql.Time x, java.util.Calendar cal) throws SQLException {
        bind(parameterIndex, B17_TIME, x, cal);
    }

    @Override
    public void setTimestamp(int parameterIndex, java.sql.Timestamp x, java.util.Calendar cal) throws SQLException {
        bind(parameterIndex, B18_TIMESTAMP, x, cal);
    }

    /** pgJDBC turns a Blob or Clob value, or a BLOB/CLOB target type, into a new large object. */
    private static void refuseLargeObject(Object x, Integer sqlType) throws SQLException {
        if (x instanceof java.sql.Blob
                || x instanceof java.sql.Clob
                || sqlType != null
                        && (sqlType == java.sql.Types.BLOB
                                || sqlType == java.sql.Types.CLOB
                                || sqlType == java.sql.Types.NCLOB)) {
            throw LogicalFacade.largeObjects("PreparedStatement.setObject with a large object");
        }
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        refuseLargeObject(x, null);
        bind(parameterIndex, B19_OBJECT, x, null);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        refuseLargeObject(x, targetSqlType);
        bind(parameterIndex, B20_OBJECT, x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        refuseLargeObject(x, targetSqlType);
        bind(parameterIndex, B21_OBJECT, x, new int[] {targetSqlType, scaleOrLength});
    }

    @Override
    public void setObject(int parameterIndex, Object x, java.sql.SQLType targetSqlType) throws SQLException {
        refuseLargeObject(x, targetSqlType == null ? null : targetSqlType.getVendorTypeNumber());
        bind(parameterIndex, B22_OBJECT, x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, java.sql.SQLType targetSqlType, int scaleOrLength)
            throws SQLException {
        refuseLargeObject(x, targetSqlType == null ? null : targetSqlType.getVendorTypeNumber());
        bind(parameterIndex, B23_OBJECT, x, new Object[] {targetSqlType, scaleOrLength});
    }

    @Override
    public void setAsciiStream(int parameterIndex, java.io.InputStream x, int length) throws SQLException {
        bind(parameterIndex, B24_ASCIISTREAM, x, length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, java.io.InputStream x, long length) throws SQLException {
        bind(parameterIndex, B25_ASCIISTREAM, x, length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, java.io.InputStream x) throws SQLException {
        bind(parameterIndex, B26_ASCIISTREAM, x, null);
    }

    @Override
    public void setBinaryStream(int parameterIndex, java.io.InputStream x, int length) throws SQLException {
        bind(parameterIndex, B27_BINARYSTREAM, x, length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, java.io.InputStream x, long length) throws SQLException {
        bind(parameterIndex, B28_BINARYSTREAM, x, length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, java.io.InputStream x) throws SQLException {
        bind(parameterIndex, B29_BINARYSTREAM, x, null);
    }

    @Override
    public void setCharacterStream(int parameterIndex, java.io.Reader x, int length) throws SQLException {
        bind(parameterIndex, B30_CHARACTERSTREAM, x, length);
    }

    @Override
    public void setCharacterStream(int parameterIndex, java.io.Reader x, long length) throws SQLException {
        bind(parameterIndex, B31_CHARACTERSTREAM, x, length);
    }

    @Override
    public void setCharacterStream(int parameterIndex, java.io.Reader x) throws SQLException {
        bind(parameterIndex, B32_CHARACTERSTREAM, x, null);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, java.io.Reader x, long length) throws SQLException {
        bind(parameterIndex, B33_NCHARACTERSTREAM, x, length);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, java.io.Reader x) throws SQLException {
        bind(parameterIndex, B34_NCHARACTERSTREAM, x, null);
    }

    @Override
    public void setRef(int parameterIndex, java.sql.Ref x) throws SQLException {
        bind(parameterIndex, B35_REF, x, null);
    }

    @Override
    public void setBlob(int parameterIndex, java.sql.Blob x) throws SQLException {
        throw LogicalFacade.largeObjects("PreparedStatement.setBlob");
    }

    @Override
    public void setBlob(int parameterIndex, java.io.InputStream x, long length) throws SQLException {
        throw LogicalFacade.largeObjects("PreparedStatement.setBlob");
    }

    @Override
    public void setBlob(int parameterIndex, java.io.InputStream x) throws SQLException {
        throw LogicalFacade.largeObjects("PreparedStatement.setBlob");
    }

    @Override
    public void setClob(int parameterIndex, java.sql.Clob x) throws SQLException {
        throw LogicalFacade.largeObjects("PreparedStatement.setClob");
    }

    @Override
    public void setClob(int parameterIndex, java.io.Reader x, long length) throws SQLException {
        bind(parameterIndex, B40_CLOB, x, length);
    }

    @Override
    public void setClob(int parameterIndex, java.io.Reader x) throws SQLException {
        bind(parameterIndex, B41_CLOB, x, null);
    }

    @Override
    public void setNClob(int parameterIndex, java.sql.NClob x) throws SQLException {
        throw LogicalFacade.largeObjects("PreparedStatement.setNClob");
    }

    @Override
    public void setNClob(int parameterIndex, java.io.Reader x, long length) throws SQLException {
        bind(parameterIndex, B43_NCLOB, x, length);
    }

    @Override
    public void setNClob(int parameterIndex, java.io.Reader x) throws SQLException {
        bind(parameterIndex, B44_NCLOB, x, null);
    }

    @Override
    public void setArray(int parameterIndex, java.sql.Array x) throws SQLException {
        bind(parameterIndex, B45_ARRAY, x, null);
    }

    @Override
    public void setURL(int parameterIndex, java.net.URL x) throws SQLException {
        bind(parameterIndex, B46_URL, x, null);
    }

    @Override
    public void setRowId(int parameterIndex, java.sql.RowId x) throws SQLException {
        bind(parameterIndex, B47_ROWID, x, null);
    }

    @Override
    public void setSQLXML(int parameterIndex, java.sql.SQLXML x) throws SQLException {
        bind(parameterIndex, B48_SQLXML, x, null);
    }

    @SuppressWarnings("deprecation")
    @Override
    public void setUnicodeStream(int parameterIndex, java.io.InputStream x, int length) throws SQLException {
        bind(parameterIndex, B49_UNICODESTREAM, x, length);
    }
}
